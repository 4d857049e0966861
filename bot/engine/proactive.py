"""A follow-up step's turn: what she says when the bot writes first (bot/followups decides when and whether).

The step names a persona key (followup.tip), optionally a variant by a slot (followup.tip.痘痘 for the
concern 痘痘), and whether to offer a product: then the product is chosen first, its card follows, and with
no product that fits nothing is said at all.
"""

from __future__ import annotations

from bot.engine.recommend import product_card, recommend
from bot.engine.turn_context import TurnContext


def followup(ctx: TurnContext) -> None:
    data = ctx.inbound.data
    where = f"follow-up {data.get('plan', '')}.{data.get('step', '')}"
    offer = bool(data.get("recommend"))
    if offer:
        recommend(ctx)
        if not ctx.session.slots.get("product"):
            ctx.why.append(f"{where}: no product fits, nothing is said")
            return
    key = data.get("say", "")
    by = data.get("by", "")
    value = data.get("by_value") or (str(ctx.session.slots.get(by) or "") if by else "")
    if value and ctx.persona.has(f"{key}.{value}"):
        key = f"{key}.{value}"
    ctx.say(key)
    if offer:
        product_card(ctx)
    ctx.why.append(f"{where}: {data.get('why') or key}")
