"""预算200以内 said right after a product was offered (or named): she tells what she wants to pay for it.

The sum is her budget (knowledge/policy.yaml `price.limit`, read by bot/policy/price.py, kept in the profile for
the next choice as always); when the product in view has a `price` within it, the persona's
`recommend.within_budget` says so ({product} {price} {budget}), rather than 「我在听～能再多说一点吗」 to a statement
nothing else took (QA round 11, finding 10). A product above her budget is not answered here: the next
recommendation leaves it out (docs/policy.md, Price).
"""

from __future__ import annotations

from bot.engine.memory import recent
from bot.engine.turn_context import TurnContext
from bot.policy.price import budget_in
from bot.understanding.matcher import Result

KEY = "recommend.within_budget"


def fits_in_view(ctx: TurnContext, result: Result) -> bool:
    """A budget told (no question) while a product with a price is in view, and the product is within it:
    said so. False (nothing said) otherwise."""
    if result.question or not ctx.persona.has(KEY):
        return False
    product_id = recent(ctx.session, "product")
    product = next((p for p in ctx.content.understanding.knowledge.products if p.id == product_id), None)
    if product is None or product.price is None:
        return False
    normalize = ctx.content.understanding.normalize
    budget = budget_in(result.normalized, [normalize(word) for word in ctx.content.policy.price.limit])
    if budget is None or product.price > budget:
        return False
    ctx.why.append(f"她说了预算（{budget:g}元以内）：在聊的 {product.id}（{product.price:g}元）在预算里")
    ctx.say(KEY, product=product.name, price=f"{product.price:g}", budget=f"{budget:g}")
    return True
