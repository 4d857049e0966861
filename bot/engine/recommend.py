"""Choosing a product for a flow state marked `recommend`, and its link card."""

from __future__ import annotations

from bot.engine.followup import remember
from bot.engine.turn_context import TurnContext


def recommend(ctx: TurnContext) -> None:
    """Choose the product that fits the customer's tags best; never one for an opted-out customer."""
    slots, session = ctx.session.slots, ctx.session
    slots["product"] = ""
    if session.opted_out:
        ctx.why.append("recommend: the customer opted out, no product")
        return
    if session.restrained:
        ctx.why.append(f"recommend: no product, the customer is {session.restrained}")
        return
    offered = set(slots.get("offered") or [])
    best, best_fit = None, 0
    for product in ctx.content.understanding.knowledge.products:
        fit = len(set(product.fits) & set(session.tags))
        if fit > best_fit and product.id not in offered:
            best, best_fit = product, fit
    if best is None:
        ctx.why.append("recommend: no product fits the customer's tags")
        return
    slots["product"], slots["pitch"] = best.name, best.pitch
    slots["offered"] = [*offered, best.id]
    remember(session, "product", best.id)  # 怎么用 / 多少钱 next are about it (engine/followup.py)
    ctx.why.append(f"recommend: {best.id} fits {best_fit} tag(s)")


def product_card(ctx: TurnContext) -> None:
    """The link card of the product just recommended, when it has one."""
    if not ctx.session.slots.get("product"):
        return
    product_id = (ctx.session.slots.get("offered") or [""])[-1]
    for product in ctx.content.understanding.knowledge.products:
        if product.id == product_id and product.link:
            card = {"msgtype": "link", "title": product.link["title"], "url": product.link["url"],
                    "desc": product.link.get("desc", product.pitch)}
            ctx.attach(card, f"card:{product.id}")
