"""What a message that no flow rule and no FAQ answer took gets: a name given unasked, small talk, a refusal of
the product in view, the persona's own line for an intent, silence for a cold reply outside a flow, or an honest
"not sure" (the fallback) — in that order (the tail of the precedence in engine/turn.py)."""

from __future__ import annotations

from bot.conversation import Outbound
from bot.engine import about, backoff, budget, buying, care, english, have, invited, replies, suggestion, survey
from bot.engine.flow_runner import FlowRunner
from bot.engine.flows import State
from bot.engine.followup import WHAT_MEANT, product_names
from bot.engine.memory import recent, remember
from bot.engine.not_understood import not_understood
from bot.engine.order_number import spoken_of
from bot.engine.reading import disputes_answer, takes_free_answers
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Result
from bot.understanding.names import introduced_name, told_name, told_surname
from bot.understanding.script import latin_only, written_in_latin

LINKED = ("ask_link", "will_buy")  # 直接给我链接, 那我买一瓶试试: the link of the product in view goes with the line


def _link_in_view(ctx: TurnContext, intent: str, result: Result) -> bool:
    """The persona's `intent.<name>.in_view` (or `intent.<name>`) and the link card of the product the message names
    (engine/buying.py) or else of the product just discussed, when there is one with a link."""
    products = {p.id: p for p in ctx.content.understanding.knowledge.products}
    product = buying.named_product(ctx, result) or products.get(str(recent(ctx.session, "product") or ""))
    return product is not None and buying.link(ctx, product, intent)


def _said(ctx: TurnContext, key: str) -> bool:
    """Whether this turn already said the persona's `key` (a message of two clauses of one intent)."""
    return any(message.label == key for message in ctx.reply.messages)


def reply(ctx: TurnContext, flows: FlowRunner, result: Result, state: State | None, in_flow: bool, *,
          introduced: bool = False) -> list[Outbound]:
    """Answer what nothing else took; returns the "not sure" (or reprompt) said to it, which the policy's flow
    may replace when the message showed need (怎么办啊 with an urgent need). `introduced`: the piece was cut off as
    a self-introduction before her question (我是李姐，孕妇能用吗)."""
    session = ctx.session
    understand = ctx.content.understanding.understand
    surname = told_surname(result)  # 我姓张, unasked: how the persona calls her by it (小张)
    told = (told_name(result, understand) or (introduced_name(result, understand) if introduced else None)
            or (ctx.persona.by_surname(surname) if surname else None)) if ctx.persona.has("name.saved") else None
    if told:  # 叫我小雨 (or 我是李姐 before a question) unasked: kept (the icebreak then does not ask it)
        session.slots["name"] = told
        ctx.say("name.saved")
        return []
    for smalltalk in ("greeting", "thanks"):
        if result.has_intent(smalltalk):
            ctx.say(smalltalk)
            return []
    if result.chat and ctx.persona.has(f"intent.{result.chat}"):  # 今天好累啊, 吃饭了吗: a warm word back, no pitch
        if _said(ctx, f"intent.{result.chat}"):  # 你多大了 有男朋友吗: one line for both clauses
            return []
        ctx.why.append(f"闲聊（{result.chat}）：接一句，不推荐，不记成没答上的问题")
        ctx.say(f"intent.{result.chat}")
        if in_flow:
            survey.ask_lightly(ctx)  # a survey question waits: asked again, lighter
        return []
    backoff.refused_in_view(ctx, result, in_flow)  # 算了 不买了 about the product just discussed: a refusal
    if have.only_one(ctx, result):  # 有没有乳液 → 还有吗: that kind has only the one just named
        return []
    chit_chat = ctx.content.understanding.intents.smalltalk
    for name, _ in result.intents:  # 多少钱 with no product in view: the persona's own line for it, if any
        if name in chit_chat and name != result.chat:
            continue  # 去旅游能带上飞机吗 holds a small-talk word but asks something else: not small talk
        if name in LINKED and _link_in_view(ctx, name, result):
            return []
        if name == WHAT_MEANT and in_flow:
            continue  # 啥意思 at a flow's question: the flow asks it again, lighter, and that is the explanation
        if ctx.persona.has(f"intent.{name}"):
            if _said(ctx, f"intent.{name}"):  # 你好笨啊 什么都不懂: one apology for the two clauses
                return []
            order = f"intent.{name}.order"  # 订单号是多少你们不会自己查吗: not asked for it again
            ctx.say(order if ctx.persona.has(order) and spoken_of(ctx, result.text) else f"intent.{name}")
            if name == "ask_link":  # which product? — the next turn's name gets its link
                remember(session, replies.LINK_ASKED, True)
            if result.question:  # 多少钱 → (which one?) → 舒缓修护精华: its price
                remember(session, "open_question", result.normalized)
            return []
    if not in_flow and result.has_intent("cold"):
        ctx.why.append("不在流程里的冷淡回答（嗯/哦）：故意不回（克制）")
        return []
    if not in_flow and disputes_answer(session, result) and ctx.persona.has("faq.wrong"):
        ctx.say("faq.wrong")  # 不是 right after an answer: the answer missed what she asked, not a goodbye
        return []
    if not in_flow and (result.has_intent("affirm") or result.has_intent("deny")):
        ctx.say("ack")
        return []
    if in_flow and invited.answered(ctx, result):  # 多久 / 为什么 at 想先跟我聊聊你的皮肤情况吗: about that question
        return []
    if result.near_miss:
        ctx.reply.near_miss = result
    if budget.told(ctx, result):  # 预算500左右, 有没有一百以内的: kept, and said so (the one in view if it fits)
        return []
    if result.question and _of_the_product(ctx, result):  # 保湿水还有货吗: the stock answer, not "not sure"
        return []
    offered = suggestion.offer(ctx, result)  # 你是想问「…」吗: one entry leads clearly, not far enough to answer
    if offered is not None:
        return [offered]
    waits_for_a_reply = state is not None and state.ask is None and bool(result.words)  # "reply 好"
    if result.question and (takes_free_answers(state) or waits_for_a_reply):
        # a catch-all must not take the question, nor a reprompt to reply 好 answer it (量子力学怎么学)
        ctx.why.append("知识库答不了这个问题：老实说不确定，流程停在原地")
        ctx.say("fallback")
        return [ctx.reply.messages[-1]]
    if not in_flow and not result.question and ctx.reply.messages:
        ctx.why.append("这一轮已经回过话了，没听懂的这句陈述不再说“我在听”")
        return []  # 别推了 我就问问: the opt-out line answers the burst
    if care.more(ctx, result):  # 爆痘 → care → 额头和下巴特别多: she tells more about it
        return []
    if care.told(ctx, result, in_flow=in_flow):  # 学生党 预算不多: noted, not "没太接住"
        if in_flow:
            survey.question_again(ctx)  # … and the flow's question follows
        return []
    if _of_the_product(ctx, result):  # 收到的保湿水漏液了, 不买烟酰胺 买舒缓的: not a wish to hear about it
        return []
    named = product_names(ctx.content.understanding).named(result.heard)
    if named is not None and result.question and result.kinds:  # 保湿水150ml的大概用多久: its pitch answers no 多久
        asked = "、".join(sorted(result.kinds))
        ctx.why.append(f"问了商品 {named.product.id} 的事（{asked}），没有回答能答：不拿介绍充数")
        remember(session, "product", named.product.id)  # … and what she asks next is about it
    elif named is not None and ctx.persona.has("product.about"):  # 我之前买过你们的水杨酸: the product is in view now
        ctx.why.append(f"说到了商品 {named.product.id}：说说它，接下来的问题按它回答")
        ctx.say("product.about", product=named.product.name, pitch=named.product.pitch)
        remember(session, "product", named.product.id)
        return []
    before = len(ctx.reply.messages)
    if latin_only(result.text) and english.answered(ctx, result):  # do you ship to hong kong / free shipping?
        return []
    if written_in_latin(result.text) and ctx.persona.has("foreign_language"):
        ctx.why.append("整句是英文或拼音，没听懂：说只看得懂中文，不让她用英文换个说法")
        ctx.say("foreign_language")
        return ctx.reply.messages[before:]
    not_understood(ctx, flows, question=result.question)
    return ctx.reply.messages[before:]


def _of_the_product(ctx: TurnContext, result: Result) -> bool:
    """A statement naming a product that is no wish to hear about it (engine/about.py): what she says of it is an
    FAQ question (收到的保湿水漏液了: damaged_item, and its handover); she turned it away this turn (过敏: the
    persona said so); she refuses it for another (不买烟酰胺 买舒缓的: the other one's link)."""
    told = about.told_of(ctx, result)
    if told is not None:
        ctx.why.append("说到的商品是主语，问的是别的事：按那件事回答，不介绍商品")
        replies.answer_all(ctx, told)
        return True
    if about.turned_away(ctx, result):
        ctx.why.append("她刚说这款过敏、不喜欢：不再介绍它")
        return True
    other = about.named_besides(ctx, result)
    if other is not None and buying.link(ctx, other, buying.WILL_BUY):
        ctx.why.append(f"她不要的那款不介绍：说的是 {other.id}")
        return True
    return bool(about.refused(ctx, result))  # 不买烟酰胺: not its pitch
