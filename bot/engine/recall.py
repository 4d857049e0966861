"""上次你说的那个精华叫啥来着: the customer asks which product the bot recommended. The answer is the last offer
the profile keeps (profile.offers, however long ago), in the persona's `recommend.recalled` ({product}, {pitch});
with no offer on record, `recommend.recalled_none`. The intent (`ask_recommended`, knowledge/intents.yaml) and
both lines are optional: without them the message is read as any other."""

from __future__ import annotations

from bot.engine import buying, hers, prices
from bot.engine.followup import remember
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Result

ASK = "ask_recommended"  # the optional intent of knowledge/intents.yaml
RECALLED, NONE = "recommend.recalled", "recommend.recalled_none"  # persona keys


def recall(ctx: TurnContext, result: Result) -> bool:
    """Answer "which one did you recommend?" from the profile, a decision to buy a product named (engine/buying.py),
    the price of several products or several of one
    (engine/prices.py), or a question about "the serum" she has (engine/hers.py); False when this is none
    (上次推荐的那个乳液我用了 挺好用的 想回购 tells, it does not ask)."""
    if buying.answered(ctx, result):  # 舒缓修护精华我要了: the link, not the product's pitch (followup.py)
        return True
    if result.question and not result.has_intent(ASK):  # before the follow-ups about one product (followup.py)
        return prices.answered(ctx, result) or _hers(ctx, result)
    if not result.question or not result.has_intent(ASK) or not ctx.persona.has(RECALLED):
        return False
    products = {p.id: p for p in ctx.content.understanding.knowledge.products}
    offered = next((products[str(offer[0])] for offer in reversed(ctx.profile.offers) if str(offer[0]) in products),
                   None)
    if offered is None:
        if not ctx.persona.has(NONE):
            return False
        ctx.why.append("问上次推荐的是哪款：还没推荐过")
        ctx.say(NONE)
        return True
    ctx.why.append(f"问上次推荐的是哪款：记下的最后一次是 {offered.id}")
    ctx.say(RECALLED, product=offered.name, pitch=offered.pitch)
    remember(ctx.session, "product", offered.id)  # 多少钱 / 怎么用 next are about it
    return True


def _hers(ctx: TurnContext, result: Result) -> bool:
    """精华到了 怎么用啊, days after the salicylic serum was recommended: its own usage answer."""
    follow = hers.follow(ctx, result)
    if follow is None:
        return False
    from bot.engine import replies  # replies builds on this module's neighbours (followup.py)

    replies.follow_up(ctx, follow, result.text)
    return True
