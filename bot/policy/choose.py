"""Which product fits the profile best, and why (weights from the policy's `fit`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.policy.spec import Policy
from bot.profile.codebook import Codebook
from bot.profile.model import Profile
from bot.understanding.knowledge import Product


@dataclass(frozen=True)
class Choice:
    product: Product | None
    reason: str


def choose(policy: Policy, codebook: Codebook, products: Sequence[Product], profile: Profile) -> Choice:
    """The best-fitting product never offered, refused or bought before; None when nothing fits."""
    excluded = {str(o[0]) for o in profile.offers} | {str(r[0]) for r in profile.refusals} \
        | {str(p[0]) for p in profile.purchases}
    answers = {q: codebook.label(q, profile.answered(q)) for q in policy.fit}
    best: tuple[float, Product, list[str]] | None = None
    for product in products:
        if product.id in excluded:
            continue
        score, parts = 0.0, []
        for question, weight in policy.fit.items():
            label = answers[question]
            if label and label in product.fits:
                score += weight
                parts.append(f"{label}（{question} +{weight:g}）")
        for tag in profile.tags:
            if tag in product.fits and tag not in answers.values():
                score += policy.fit_other
                parts.append(f"{tag}（标签 +{policy.fit_other:g}）")
        if score > 0 and (best is None or score > best[0]):
            best = (score, product, parts)
    skipped = f"；不再推已推荐/拒绝/买过的 {', '.join(sorted(excluded))}" if excluded else ""
    if best is None:
        known = "、".join(v for v in answers.values() if v) or "无"
        return Choice(None, f"没有合适的商品（已知：{known}{skipped}）")
    score, product, parts = best
    return Choice(product, f"{product.id} 最合适（{score:g} 分：{'、'.join(parts)}{skipped}）")
