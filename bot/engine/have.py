"""有没有乳液 / 你们有防晒吗 / 乳液有吗: asked whether the shop sells a kind of product it has one of — that product,
named, with its pitch (persona `product.have`, else `product.about`), and it is the product in view from then on.
A kind with several products (精华) or none (面霜) is left to the FAQ (our_range, not_sold_skincare)."""

from __future__ import annotations

import re

from bot.engine.followup import product_names, remember
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Result

_HAVE = re.compile(r"^(?:请问|你们|你们家|这里|店里|家里)*(?:有没有|有)(.{2,8}?)(?:吗|么|卖吗|卖|呀|啊|呢)*$"
                   r"|^(?:你们|你们家)*(.{2,8}?)(?:有没有|有吗|有卖吗|有没得)(?:呀|啊|呢)*$")


def answered(ctx: TurnContext, result: Result) -> bool:
    found = _HAVE.match(result.heard)
    if found is None or result.has_intent("ask_recommendation") or result.has_intent("gift"):  # 有没有推荐的防晒
        return False
    kind = found.group(1) or found.group(2)
    products = product_names(ctx.content.understanding).kind_asked(kind)
    if len(products) != 1:
        return False
    product = products[0]
    key = "product.have" if ctx.persona.has("product.have") else "product.about"
    if not ctx.persona.has(key):
        return False
    ctx.why.append(f"问有没有“{kind}”：我们家这一类只有 {product.id}，说它")
    ctx.say(key, product=product.name, pitch=product.pitch)
    remember(ctx.session, "product", product.id)
    return True
