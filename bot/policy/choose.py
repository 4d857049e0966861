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
    over_budget: bool = False  # a product fitted, but costs more than she wants to pay


def choose(policy: Policy, codebook: Codebook, products: Sequence[Product], profile: Profile, *,
           limit: float | None = None, answers: dict[str, str] | None = None,
           kind: Sequence[str] = ()) -> Choice:
    """The best-fitting product never offered, refused or bought before, within `limit` yuan (products with a
    price); None when nothing fits. `answers` (question → code): someone else's, to choose for them instead
    of by her profile (送男朋友 油皮); her tags then do not count. `kind`: the ids of the products of the kind she
    asked for (有没有推荐的防晒): only those, and the one of a kind of one fits whatever her profile says."""
    alone = len(kind) == 1
    excluded = {str(o[0]) for o in profile.offers} | {str(r[0]) for r in profile.refusals} \
        | {str(p[0]) for p in profile.purchases}
    codes = answers if answers is not None else {q: profile.answered(q) for q in policy.fit}
    labels = {q: codebook.label(q, codes.get(q)) for q in policy.fit}
    tags = profile.tags if answers is None else []
    best: tuple[float, Product, list[str]] | None = None
    over: list[str] = []
    for product in products:
        if product.id in excluded or (kind and product.id not in kind):
            continue
        score, parts = 0.0, []
        for question, weight in policy.fit.items():
            label = labels[question]
            if label and label in product.fits:
                score += weight
                parts.append(f"{label}（{question} +{weight:g}）")
        for tag in tags:
            if tag in product.fits and tag not in labels.values():
                score += policy.fit_other
                parts.append(f"{tag}（标签 +{policy.fit_other:g}）")
        if alone and not parts:
            parts.append("她要的就是这一类，只有这一款")
        if (score > 0 or alone) and limit is not None and product.price is not None and product.price > limit:
            over.append(f"{product.id} {product.price:g}元")
            continue
        if (score > 0 or alone) and (best is None or score > best[0]):
            best = (score, product, parts)
    skipped = f"；不再推已推荐/拒绝/买过的 {', '.join(sorted(excluded))}" if excluded else ""
    if over:
        skipped += f"；超出预算（{limit:.0f}元以内）的不推：{'、'.join(over)}"
    if best is None:
        known = "、".join(v for v in labels.values() if v) or "无"
        return Choice(None, f"没有合适的商品（已知：{known}{skipped}）", over_budget=bool(over))
    score, product, parts = best
    return Choice(product, f"{product.id} 最合适（{score:g} 分：{'、'.join(parts)}{skipped}）")
