"""A product she says she tried and disliked, or is allergic to (bot/policy/disliked.py reads the words): never
recommended to her again, and said so once."""

from __future__ import annotations

from bot.engine import about
from bot.engine.followup import POINTING, product_names
from bot.engine.memory import recent
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Result
from bot.understanding.normalize import clauses

DISLIKED = "recommend.disliked"  # the persona's line to 那个精华我用了过敏: that one is not recommended again
ALLERGIC = "product.allergic"  # … and to 我对烟酰胺过敏 (any brand's): avoid ours with it, never recommended again


def disliked(ctx: TurnContext, result: Result) -> None:
    """A醇那个我用过 不好用 / 那个精华我用了过敏 (bot/policy/disliked.py): that product is never recommended to her
    again; the persona's `recommend.disliked` says so (a line that is not understood is dropped beside it)."""
    normalize = ctx.content.understanding.normalize
    pieces = [result.normalized, *(normalize(part) for part in clauses(result.text))]
    reader = ctx.content.need.disliked
    said = "" if result.question else reader.said(pieces)
    allergic = "" if result.question or said else reader.allergic_to(pieces)  # 我对烟酰胺过敏: any brand's
    product = tried(ctx, result) if said or allergic else None
    if product is not None and allergic and not about.said_of(ctx, result, product):
        return  # 我皮肤容易过敏 想买烟酰胺精华: the allergy is not said of the product
    if product is None:
        return
    ctx.profile.record_dislike(product.id, ctx.now, said or allergic)
    about.turn_away(ctx, product.id)  # its pitch, its "gentle" FAQ answer: not said to her now (engine/about.py)
    if allergic:
        ctx.why.append(f"她说对 {product.id} 里的成分过敏（{allergic}）：以后不再推荐这款，说 {ALLERGIC}")
        word = next((w for w in result.words if (p := product_names(ctx.content.understanding).only_holder(w))
                     is not None and p.id == product.id), product.name)
        if ctx.persona.has(ALLERGIC):
            at = result.text.lower().find(word)  # as she wrote it (A醇, not the normalised a醇)
            ctx.say(ALLERGIC, product=product.name, because=result.text[at:at + len(word)] if at >= 0 else word)
        return
    ctx.why.append(f"她说 {product.id} 用过、不喜欢（{said}）：以后不再推荐这款")
    if ctx.persona.has(DISLIKED):
        ctx.say(DISLIKED, product=product.name)


def tried(ctx: TurnContext, result: Result) -> Product | None:
    """The product a statement is about: named (水杨酸), held by a word she said (A醇: the one name with A醇), or
    pointed at (那个精华, 那个) when it is the one in view."""
    names = product_names(ctx.content.understanding)
    one = names.one_named(result.normalized, result.words)
    if one is not None:
        return one
    viewed = str(recent(ctx.session, "product") or "")
    kind = {p.id for p in names.kind_asked(result.normalized)}
    if viewed and any(word in result.normalized for word in POINTING) and (not kind or viewed in kind):
        return next((p for p in ctx.content.understanding.knowledge.products if p.id == viewed), None)
    return None
