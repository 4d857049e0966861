"""Which product fits the profile best, and why (weights from the policy's `fit`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
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
    avoided: tuple[Product, ...] = ()  # products that fitted, left out for her situation (`avoid_when`: 孕期)
    because: str = ""  # … the situation: the labels of hers they avoid (孕期)
    cautious: bool = False  # … only because she asked about that situation (孕妇能用A醇吗), not said it was hers


def situation(codebook: Codebook, profile: Profile, answers: dict[str, str] | None = None) -> set[str]:
    """The labels and tags a product's `avoid_when` is compared with: every answer of hers (孕期 said in passing
    included) and her tags — or, choosing for someone else, the answers said about them."""
    if answers is not None:
        return {label for question, code in answers.items() if (label := codebook.label(question, code))}
    return {label for question in codebook.questions
            if (label := codebook.label(question, profile.answered(question)))} | set(profile.tags)


def to_avoid(codebook: Codebook, products: Sequence[Product], profile: Profile) -> dict[str, str]:
    """product id → why it is not for her now (孕期): the products whose `avoid_when` meets her situation."""
    facts = situation(codebook, profile)
    return {p.id: "/".join(unsafe) for p in products if (unsafe := [a for a in p.avoid_when if a in facts])}


def choose(policy: Policy, codebook: Codebook, products: Sequence[Product], profile: Profile, *,
           limit: float | None = None, answers: dict[str, str] | None = None,
           kind: Sequence[str] = (), cautious: Collection[str] = (), need: str = "") -> Choice:
    """The best-fitting product never offered, refused, bought or disliked before, within `limit` yuan
    (products with a price), and not one to avoid in her situation (`avoid_when`: 孕期); None when nothing fits.
    `answers` (question → code): someone else's, to choose for them instead of by her profile (送男朋友 油皮);
    her tags then do not count. `kind`: the ids of the products of the kind she asked for (有没有推荐的防晒): only
    those, and the one of a kind of one fits whatever her profile says. `cautious`: situations she asked about
    (孕妇能用A醇吗 — for herself or not, she did not say): their products are left out too, as if they were hers.
    `need`: the code of the concern her ask named (控油: 出油), in place of her profile's concern."""
    alone = len(kind) == 1
    disliked = {str(d[0]) for d in profile.disliked}
    excluded = {str(o[0]) for o in profile.offers} | {str(r[0]) for r in profile.refusals} \
        | {str(p[0]) for p in profile.purchases} | disliked
    codes = answers if answers is not None else {q: profile.answered(q) for q in policy.fit}
    if need and policy.spec.concern in codes:
        codes = {**codes, policy.spec.concern: need}
    labels = {q: codebook.label(q, codes.get(q)) for q in policy.fit}
    tags = profile.tags if answers is None else []
    facts = situation(codebook, profile, answers)
    asked_only = set(cautious) - facts if answers is None else set()
    facts = facts | asked_only
    frugal = next((label for label in policy.price.low if label in facts), "")  # 学生党: the cheaper of equals
    best: tuple[float, Product, list[str]] | None = None
    over: list[str] = []
    avoided: list[tuple[Product, list[str]]] = []
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
        unsafe = [label for label in product.avoid_when if label in facts]
        if (score > 0 or alone) and unsafe:
            avoided.append((product, unsafe))
            continue
        if (score > 0 or alone) and limit is not None and product.price is not None and product.price > limit:
            over.append(f"{product.id} {product.price:g}元")
            continue
        if (score > 0 or alone) and (best is None or score > best[0]
                                     or (frugal and score == best[0] and _cheaper(product, best[1]))):
            best = (score, product, parts)
    skipped = f"；不再推已推荐/拒绝/买过/说不好用的 {', '.join(sorted(excluded))}" if excluded else ""
    if avoided:
        skipped += "；" + "、".join(f"{p.id}（{'/'.join(why)}不用）" for p, why in avoided) + " 不推"
    if over:
        skipped += f"；超出预算（{limit:.0f}元以内）的不推：{'、'.join(over)}"
    because = "、".join(dict.fromkeys(label for _, why in avoided for label in why))
    if best is None:
        known = "、".join(v for v in labels.values() if v) or "无"
        return Choice(None, f"没有合适的商品（已知：{known}{skipped}）", over_budget=bool(over),
                      avoided=tuple(p for p, _ in avoided), because=because,
                      cautious=bool(avoided) and all(label in asked_only for _, why in avoided for label in why))
    score, product, parts = best
    cheap = f"；她{frugal}：一样合适的先推便宜的" if frugal else ""
    return Choice(product, f"{product.id} 最合适（{score:g} 分：{'、'.join(parts)}{skipped}{cheap}）")


def _cheaper(product: Product, than: Product) -> bool:
    """A product with a price below the other's (one without a price is never the cheaper)."""
    return product.price is not None and (than.price is None or product.price < than.price)


def safe_pick(codebook: Codebook, products: Sequence[Product], profile: Profile, ids: Sequence[str], *,
              answers: dict[str, str] | None = None, limit: float | None = None) -> Product | None:
    """A gift for someone whose skin she does not know (不知道她什么皮肤): the first of `ids` (policy `safe_gift`: a
    product anyone can use) never offered, refused, bought or disliked, within `limit`, not one to avoid in the
    recipient's situation; None when none is left."""
    excluded = {str(o[0]) for o in profile.offers} | {str(r[0]) for r in profile.refusals} \
        | {str(p[0]) for p in profile.purchases} | {str(d[0]) for d in profile.disliked}
    facts = situation(codebook, profile, answers)
    by_id = {p.id: p for p in products}
    return next((p for pid in ids if (p := by_id.get(pid)) is not None and p.id not in excluded
                 and not any(a in facts for a in p.avoid_when)
                 and (limit is None or p.price is None or p.price <= limit)), None)
