"""上次你说的那个精华叫啥来着: the customer asks which product the bot recommended. The answer is the last offer
the profile keeps (profile.offers, however long ago), in the persona's `recommend.recalled` ({product}, {pitch});
with no offer on record, `recommend.recalled_none` — and, when she names a product (你上次是不是说有个保湿水), that
product's `product.about`. The intent (`ask_recommended`, knowledge/intents.yaml) and the lines are optional:
without them the message is read as any other.

还记得我吗 / 还记得我叫什么吗 / 我上次跟你说我是什么皮来着 (intent `ask_remembered`): what the profile keeps of her,
in `recall.me` ({name}, {known}): {known} is each `recall.fact.<question>` of the codebook questions she answered
(recall.fact.skin: 你是{answer}) and `recall.fact.offered` ({product}) for the last offer, joined; with nothing
kept, `recall.me.nothing`."""

from __future__ import annotations

from bot.engine import buying, hers, prices
from bot.engine.followup import product_names
from bot.engine.memory import remember
from bot.engine.persona import Spoken
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Result

ASK = "ask_recommended"  # the optional intent of knowledge/intents.yaml
RECALLED, NONE = "recommend.recalled", "recommend.recalled_none"  # persona keys
REMEMBERED = "ask_remembered"  # the optional intent: 还记得我吗
ME, NOTHING, FACT, OFFERED = "recall.me", "recall.me.nothing", "recall.fact.", "recall.fact.offered"  # persona keys
ABOUT = "product.about"


def recall(ctx: TurnContext, result: Result) -> bool:
    """Answer "which one did you recommend?" from the profile, a decision to buy a product named (engine/buying.py),
    the price of several products or several of one
    (engine/prices.py), or a question about "the serum" she has (engine/hers.py); False when this is none
    (上次推荐的那个乳液我用了 挺好用的 想回购 tells, it does not ask)."""
    if buying.answered(ctx, result):  # 舒缓修护精华我要了: the link, not the product's pitch (followup.py)
        return True
    if remembered(ctx, result):
        return True
    if prices.of_a_kind(ctx, result):  # 防晒多少钱 → 精华呢: each serum's price, not how to use them
        return True
    if result.question and not result.has_intent(ASK):  # before the follow-ups about one product (followup.py)
        return prices.answered(ctx, result) or _hers(ctx, result)
    if not result.question or not result.has_intent(ASK) or not ctx.persona.has(RECALLED):
        return False
    offered = _last_offer(ctx)
    if offered is None:
        if not ctx.persona.has(NONE):
            return False
        ctx.why.append("问上次推荐的是哪款：还没推荐过")
        ctx.say(NONE)
        named = product_names(ctx.content.understanding).named(result.heard)
        if named is not None and ctx.persona.has(ABOUT):  # 你上次是不是说有个保湿水: not yet, but here it is
            ctx.why.append(f"她说到了 {named.product.id}：说说它")
            ctx.say(ABOUT, product=named.product.name, pitch=named.product.pitch)
            remember(ctx.session, "product", named.product.id)
        return True
    ctx.why.append(f"问上次推荐的是哪款：记下的最后一次是 {offered.id}")
    ctx.say(RECALLED, product=offered.name, pitch=offered.pitch)
    remember(ctx.session, "product", offered.id)  # 多少钱 / 怎么用 next are about it
    return True


def _last_offer(ctx: TurnContext) -> Product | None:
    products = {p.id: p for p in ctx.content.understanding.knowledge.products}
    return next((products[str(offer[0])] for offer in reversed(ctx.profile.offers) if str(offer[0]) in products),
                None)


def _line(ctx: TurnContext, key: str, variables: dict[str, str]) -> Spoken | None:
    return ctx.persona.say(key, seed=ctx.inbound.event_id, last=None, channel=ctx.session.channel, hour=ctx.hour,
                           variables=variables)


def remembered(ctx: TurnContext, result: Result) -> bool:
    """还记得我吗: her name, her answers and the last product recommended, from the profile (never written)."""
    persona = ctx.persona
    if not result.has_intent(REMEMBERED) or not persona.has(ME) or result.has_intent(ASK):
        return False
    codebook = ctx.content.codebook
    known = [(question, codebook.label(question, ctx.profile.answered(question))) for question in codebook.questions]
    facts = [_line(ctx, FACT + question, {"answer": label}) for question, label in known
             if label and persona.has(FACT + question)]
    offered = _last_offer(ctx)
    if offered is not None and persona.has(OFFERED):
        facts.append(_line(ctx, OFFERED, {"product": offered.name}))
    said = [fact.text for fact in facts if fact is not None]
    name = str(ctx.session.slots.get("name") or "")
    if not said and not name and persona.has(NOTHING):
        ctx.why.append("问还记不记得她：档案里还没有她的称呼、回答和推荐")
        ctx.say(NOTHING)
        return True
    ctx.why.append(f"问还记不记得她：称呼“{name}”，记下的 {len(said)} 件事")
    ctx.say(ME, name=name, known="，".join(said))
    return True


def _hers(ctx: TurnContext, result: Result) -> bool:
    """精华到了 怎么用啊, days after the salicylic serum was recommended: its own usage answer."""
    follow = hers.follow(ctx, result)
    if follow is None:
        return False
    from bot.engine import replies  # replies builds on this module's neighbours (followup.py)

    replies.follow_up(ctx, follow, result.text)
    return True
