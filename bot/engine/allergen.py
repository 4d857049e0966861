"""我对烟酰胺过敏 提亮精华能用吗: an allergy she has (to an ingredient our products' `ingredients` name), told beside a
question before she bought anything. She has no reaction to treat: not the after-sales allergy answer (stop,
photograph it, a person takes over), and not how to apply the serum that holds her allergen (QA round 14, finding
2). Answered from the products' data (knowledge/products.yaml `ingredients`):

- the product she asks about (named in what she asks, else the one in view) holds it: persona `allergen.holds`
  ({product} {ingredient} {amount}) — don't use this one; it is never recommended to her (her profile's dislikes);
- it does not list it: `allergen.not_listed` — our data names the main ingredients only, so: check the full list, try
  it behind the ear first;
- no product asked about: the ones that hold it, as a statement of the allergy is answered (`product.allergic`).

A reaction to our product (用了你们的提亮精华过敏了 还能用吗: policy `disliked.reaction`) is not this; nor a statement
alone (我对烟酰胺过敏: engine/sales.py `disliked`)."""

from __future__ import annotations

from bot.engine.disliked import ALLERGIC
from bot.engine.followup import product_names
from bot.engine.memory import recent
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Result
from bot.understanding.normalize import clauses

HOLDS, NOT_LISTED = "allergen.holds", "allergen.not_listed"  # persona keys
NEAR = 4  # characters between the ingredient and the allergy word (对烟酰胺有点过敏)


def _found(ctx: TurnContext, result: Result) -> tuple[str, str] | None:
    """(the ingredient as our data names it, what she asks besides) when a clause tells an allergy to it."""
    understanding = ctx.content.understanding
    reader = ctx.content.need.disliked
    parts = [understanding.normalize(part) for part in clauses(result.text)] or [result.normalized]
    names = sorted({alias for p in understanding.knowledge.products for key in p.ingredients
                    for alias in key.split("/") if alias}, key=len, reverse=True)
    for number, part in enumerate(parts):
        if reader.reaction([part]) is not None:
            continue  # 用了你们的提亮精华过敏了: a reaction to ours, after-sales
        for alias in names:
            said = understanding.normalize(alias)
            at = part.find(said) if said else -1
            if at < 0:
                continue
            tail = part[at + len(said):]
            word = reader.allergic_to([tail[:NEAR + 3]])
            where = tail.find(word) if word else -1
            if 0 <= where <= NEAR:
                rest = [*parts[:number], tail[where + len(word):], *parts[number + 1:]]
                return alias, "".join(rest)
    return None


def _holds(product: Product, ingredient: str) -> tuple[bool, str]:
    for key, amount in product.ingredients.items():
        if ingredient in key.split("/"):
            return True, amount
    return False, ""


def answered(ctx: TurnContext, result: Result) -> bool:
    if not result.question or not result.normalized:
        return False
    found = _found(ctx, result)
    if found is None:
        return False
    ingredient, rest = found
    understanding = ctx.content.understanding
    names = product_names(understanding)
    products = {p.id: p for p in understanding.knowledge.products}
    named = names.named(rest) if rest else None
    product = named.product if named is not None else products.get(str(recent(ctx.session, "product") or ""))
    said = ingredient.split("/")[0]
    if product is not None:
        holds, amount = _holds(product, ingredient)
        if holds:
            ctx.profile.record_dislike(product.id, ctx.now, f"对{said}过敏")
        key = HOLDS if holds else NOT_LISTED
        ctx.why.append(f"她说对{said}过敏，问的是 {product.id}：{'含' if holds else '主要成分里没有'}{said}，说 {key}")
        ctx.say(key, product=product.name, ingredient=said, amount=amount)
        return True
    holders = [p for p in understanding.knowledge.products if _holds(p, ingredient)[0]]
    for holder in holders:
        ctx.profile.record_dislike(holder.id, ctx.now, f"对{said}过敏")
    ctx.why.append(f"她说对{said}过敏，没问哪一款：含它的是 {'、'.join(p.id for p in holders)}，说 {ALLERGIC}")
    ctx.say(ALLERGIC, product="、".join(p.name for p in holders), because=said)
    return True
