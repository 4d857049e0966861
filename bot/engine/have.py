"""有没有乳液 / 你们有防晒吗 / 乳液有吗: asked whether the shop sells a kind of product it has one of — that product,
named, with its pitch (persona `product.have`, else `product.about`), and it is the product in view from then on.
A kind the shop does not sell (products.yaml `not_carried`: 有面膜吗, 卖不卖眼霜) is said so honestly: by the FAQ
entry the list names for it (one that says so: not_sold_skincare), else the persona's `product.not_carried` — never
by an FAQ that only shares its word (面膜多久敷一次). A kind with several products (精华) is left to the FAQ
(our_range)."""

from __future__ import annotations

import re

from bot.engine import replies
from bot.engine.followup import product_names, recent, remember
from bot.engine.sales import not_carried
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Result
from bot.understanding.normalize import clauses

QUALIFIER = 4  # characters: 补水的 beside 面膜有吗 narrows the ask; a longer clause asks something else
ONLY_ONE = "product.only_one"  # persona, and the session's note of the one product of the kind just asked for
NOT_CARRIED = "product.not_carried"  # persona: 面膜我们家暂时还没有哦 ({not_carried})
_HAVE = re.compile(r"^(?:请问|你们|你们家|这里|店里|家里)*(?:有没有|有卖|有|卖不卖|卖)(.{2,8}?)"
                   r"(?:吗|么|卖吗|卖|呀|啊|呢)*$|^(?:你们|你们家)*(.{2,8}?)(?:有没有|有吗|有卖吗|有没得)(?:呀|啊|呢)*$")


def _asked_have(ctx: TurnContext, result: Result) -> re.Match[str] | None:
    """有面膜吗, or 面膜有吗 补水的: the asking clause with at most a short qualifier beside it (补水的, 大瓶的)."""
    found = _HAVE.match(result.heard)
    if found is not None:
        return found
    normalize = ctx.content.understanding.normalize
    pieces = [piece for piece in map(normalize, clauses(result.text)) if piece]
    for piece in pieces:
        found = _HAVE.match(piece)
        if found is not None and all(len(other) <= QUALIFIER for other in pieces if other is not piece):
            return found
    return None


def answered(ctx: TurnContext, result: Result) -> bool:
    found = _asked_have(ctx, result)
    if found is None or result.has_intent("ask_recommendation") or result.has_intent("gift"):  # 有没有推荐的防晒
        return False
    kind = found.group(1) or found.group(2)
    products = product_names(ctx.content.understanding).kind_asked(kind)
    missing = "" if products else not_carried(ctx, kind)
    entry = ctx.content.understanding.knowledge.not_carried.get(missing) if missing else None
    if entry and entry in ctx.content.understanding.faq_by_id:
        ctx.why.append(f"问有没有“{kind}”：{missing}我们家没有卖（products.yaml 的 not_carried），用 FAQ {entry} 回答")
        replies.answer(ctx, entry, asked_again=True, asked=result)
        return True
    if missing and ctx.persona.has(NOT_CARRIED):
        ctx.why.append(f"问有没有“{kind}”：{missing}我们家没有卖（products.yaml 的 not_carried），老实说")
        ctx.say(NOT_CARRIED, not_carried=missing)
        return True
    if len(products) != 1:
        return False
    product = products[0]
    key = "product.have" if ctx.persona.has("product.have") else "product.about"
    if not ctx.persona.has(key):
        return False
    ctx.why.append(f"问有没有“{kind}”：我们家这一类只有 {product.id}，说它")
    ctx.say(key, product=product.name, pitch=product.pitch)
    remember(ctx.session, "product", product.id)
    remember(ctx.session, ONLY_ONE, product.id)
    return True


def only_one(ctx: TurnContext, result: Result) -> bool:
    """还有吗 right after 有没有乳液 was answered with the one lotion: that kind has no other (persona
    `product.only_one`), not "没太接住"."""
    product_id = recent(ctx.session, ONLY_ONE, within=1)
    if not result.has_intent("another") or not product_id or not ctx.persona.has(ONLY_ONE):
        return False
    names = {p.id: p.name for p in ctx.content.understanding.knowledge.products}
    ctx.why.append(f"还有吗：刚说的 {product_id} 是这一类里唯一的一款")
    ctx.say(ONLY_ONE, product=names.get(str(product_id), ""))
    return True
