"""预算200以内 said right after a product was offered (or named): she tells what she wants to pay for it.

The sum is her budget (knowledge/policy.yaml `price.limit`, read by bot/policy/price.py, kept in the profile for
the next choice as always); when the product in view has a `price` within it, the persona's
`recommend.within_budget` says so ({product} {price} {budget}), rather than 「我在听～能再多说一点吗」 to a statement
nothing else took (QA round 11, finding 10). A product above her budget is not answered here: the next
recommendation leaves it out (docs/policy.md, Price).
"""

from __future__ import annotations

from bot.engine.memory import recent
from bot.engine.replies import answer
from bot.engine.turn_context import TurnContext
from bot.policy.price import budget_in
from bot.understanding.matcher import Result

KEY = "recommend.within_budget"
NOTED, NONE_WITHIN = "recommend.budget_noted", "recommend.budget_none"  # persona keys (optional)


def told(ctx: TurnContext, result: Result) -> bool:
    """预算500左右 / 预算两百以内 / 有没有一百以内的 that nothing else answered: the budget (kept in the profile by the
    need reading, docs/policy.md) is acknowledged — the product in view within it (`fits_in_view`), else
    `recommend.budget_noted` ({budget}), or `recommend.budget_none` ({budget}, {product}, {price}: the cheapest) when
    no product with a price is within it — not 「没太接住」 (QA round 14, finding 11). False when no budget is said."""
    budget = _budget(ctx, result)
    if budget is None or not ctx.persona.has(NOTED):
        return False
    if fits_in_view(ctx, result):
        return True
    priced = [p for p in ctx.content.understanding.knowledge.products if p.price is not None]
    cheapest = min(priced, key=lambda p: p.price or 0, default=None)
    if cheapest is not None and (cheapest.price or 0) > budget and ctx.persona.has(NONE_WITHIN):
        ctx.why.append(f"她说了预算（{budget:g}元以内）：没有这个价以内的正装，说最便宜的 {cheapest.id}")
        ctx.say(NONE_WITHIN, budget=f"{budget:g}", product=cheapest.name, price=f"{cheapest.price:g}")
        return True
    ctx.why.append(f"她说了预算（{budget:g}元以内）：记下了，说一声")
    ctx.say(NOTED, budget=f"{budget:g}")
    return True


def _budget(ctx: TurnContext, result: Result) -> float | None:
    normalize = ctx.content.understanding.normalize
    return budget_in(result.normalized, [normalize(word) for word in ctx.content.policy.price.limit])


def fits_in_view(ctx: TurnContext, result: Result) -> bool:
    """A budget told (no question) while a product with a price is in view, and the product is within it:
    said so. False (nothing said) otherwise."""
    if result.question or not ctx.persona.has(KEY):
        return False
    product_id = recent(ctx.session, "product")
    product = next((p for p in ctx.content.understanding.knowledge.products if p.id == product_id), None)
    if product is None or product.price is None:
        return False
    budget = _budget(ctx, result)
    if budget is None or product.price > budget:
        return False
    ctx.why.append(f"她说了预算（{budget:g}元以内）：在聊的 {product.id}（{product.price:g}元）在预算里")
    ctx.say(KEY, product=product.name, price=f"{product.price:g}", budget=f"{budget:g}")
    return True


def trial(ctx: TurnContext, results: list[Result]) -> None:
    """太贵了 (a `price.cheaper` word in a statement) an offer or two turns after it, from a customer with a small
    budget (学生党 / 没什么钱: a `price.low` label of hers, or a sum she said): the policy's `too_expensive.answer`
    (9.9元体验装) is answered too, after what the turn said — unless the turn answered it already (QA round 14,
    finding 16: only 有没有小样 brought it)."""
    spec, entry = ctx.content.policy.price, ctx.content.policy.too_expensive.answer
    faq = ctx.content.understanding.faq_by_id
    offered = ctx.session.context.get("recommended")
    if not entry or entry not in faq or not isinstance(offered, dict) \
            or not 0 < ctx.session.turns - int(offered.get("turn", -9)) <= 2:
        return  # an offer of an earlier turn (有没有便宜点的 is the ask that brings it: no trial size beside it)
    normalize = ctx.content.understanding.normalize
    cheaper = [said for word in spec.cheaper if word and (said := normalize(word))]
    if not any(word in result.normalized for result in results for word in cheaper
               if not result.question and not result.has_intent("ask_recommendation")):
        return
    labels = {label for question in ctx.content.codebook.questions
              if (label := ctx.content.codebook.label(question, ctx.profile.answered(question)))}
    small = any(label in labels or label in ctx.profile.tags for label in spec.low) or bool(ctx.profile.budget)
    if not small or any(m.label == f"faq:{entry}" for m in ctx.reply.messages):
        return
    ctx.why.append(f"刚推荐完她嫌贵，预算有限：再说 {entry}（too_expensive）")
    answer(ctx, entry)
