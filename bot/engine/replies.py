"""What the bot says once turn.py has decided what a message is: an FAQ answer, a follow-up about the
product or topic just discussed, a numbered choice, or "not understood" (reprompt, reprompt, fallback —
never a loop)."""

from __future__ import annotations

from bot.conversation import Outbound
from bot.engine import about, again, condition, delivered, gift, minors, order_number
from bot.engine.flows import State
from bot.engine.followup import FollowUp, mentioned, product_names
from bot.engine.memory import ASKED, recent, remember
from bot.engine.not_for_her import ASKS_CAN, no_how_to, not_for_her
from bot.engine.quote import part_answering
from bot.engine.session import Session
from bot.engine.turn_context import AGAIN_WITHIN, TurnContext  # an entry asked again this soon: `.again`
from bot.engine.unsold import unsold
from bot.engine.which import WHICH
from bot.policy.choose import to_avoid
from bot.understanding.matcher import Decision, Result
from bot.understanding.overlaps import told_apart

LINK_ASKED = "link_asked"  # session.context: she asked for a link and was asked which product


def answer(ctx: TurnContext, entry_id: str, *, asked_again: bool = False, asked: Result | None = None) -> None:
    """asked_again: the message itself matched the entry (not a follow-up read with the topic in front, which
    asks something its answer holds: 有A醇吗 → 白天能用吗), so the same entry just answered is not said again.
    `asked`: what she wrote (after 别推了, a product she named herself may be in the answer)."""
    entry = ctx.content.understanding.faq_by_id[entry_id]
    if _from_the_product(ctx, entry_id) or order_number.check(ctx, entry_id):  # 单号 given: a person checks it
        return
    if delivered.only_the_day(ctx, entry_id, asked):  # 可以退货吗 → 18号签收的: the days, not the answer again
        return
    said = len(ctx.reply.messages)
    just_answered = asked_again and not entry.answer_key and recent(ctx.session, "topic", within=1) == entry_id
    if just_answered and asked is not None and again.kindly(ctx, entry, asked):
        pass  # upset, or she added something: not pointed back (engine/again.py)
    elif just_answered and ctx.persona.has("faq.again") and not said_again_last_turn(ctx.session):
        ctx.say("faq.again")  # 发什么快递 → 能发顺丰吗: the one answer it has was just said; not word for word again
        remember(ctx.session, AGAIN_SAID, entry_id)
        ctx.why.append(f"FAQ {entry_id} 刚回答过：说“就是上面这条”，不再原样发一遍")
    elif asked_again and entry.answer and said_again_last_turn(ctx.session):
        ctx.reply.messages.append(Outbound(text=entry.answer, label=f"faq:{entry_id}"))
        ctx.why.append(f"FAQ {entry_id} 上一轮说了“就是上面这条”，她又换个说法问：不再推给上面，把回答再说一遍")
    elif entry.answer_key and _said_lately(ctx, entry_id) and ctx.persona.has(f"{entry.answer_key}.again"):
        ctx.say(f"{entry.answer_key}.again")  # 有优惠吗 → 买两瓶能打折吗: not the coupon paragraph in other words
        ctx.why.append(f"FAQ {entry_id} 刚回答过（{AGAIN_WITHIN} 轮内），她又问：说 {entry.answer_key}.again，"
                       "不换个说法再说一遍")
    elif entry.answer_key:
        ctx.say(entry.answer_key)
    elif entry.answer:
        ctx.reply.messages.append(Outbound(text=entry.answer, label=f"faq:{entry_id}"))
    if entry.answer_key:
        lately = {k: v for k, v in (recent(ctx.session, KEYED) or {}).items() if _lately(ctx, v)}
        remember(ctx.session, KEYED, {**lately, entry_id: [ctx.session.turns, ctx.now]})
    avoid = to_avoid(ctx.content.codebook, ctx.content.understanding.knowledge.products, ctx.profile)
    if ctx.profile.opted_out or avoid or minors.minor(ctx):  # 我怀孕了 → 长痘怎么办 / 女儿15岁 → 敏感: no product named
        unsold(ctx, said, asked_about(ctx, asked), None if ctx.profile.opted_out or minors.minor(ctx) else avoid)
    order_number.not_asked_again(ctx, said)  # 把订单号发在这里, when she gave it: not asked again
    delivered.beside(ctx, entry_id)  # 18号签收的 + 能退吗: still within the 7 days, or not
    order = bool(set(entry.tags) & ctx.content.policy.orders)  # A醇那瓶能退吗 刚拆封: her order, no "not for now"
    hers = asked_about(ctx, asked) & set(avoid) if avoid and not order else set()
    for product in ctx.content.understanding.knowledge.products:  # 我在哺乳期 → A醇怎么用: the how-to, and not for now
        if product.id in hers:
            not_for_her(ctx, product.id, product.name, said)
    remember(ctx.session, "topic", entry_id)
    if entry.handover:
        ctx.reply.handover_after = entry_id
    ctx.why.append(f"回答了 FAQ {entry_id}；流程停在原地，接着等")
    text = "".join(message.text for message in ctx.reply.messages[said:])
    named = mentioned(ctx.content.understanding, ctx.session, text)  # 含A醇的夜间修护精华: not the older
    recommended = recent(ctx.session, "recommended")
    if len(named) == 1 and recommended not in (None, named[0].id):
        ctx.why.append(f"回答里提到 {named[0].id}，但刚推荐的是 {recommended}：追问还算它的")
    elif len(named) == 1:  # 我们的水杨酸控痘精华适合闭口粉刺: 怎么用 / 多少钱 next are about it (followup.py)
        remember(ctx.session, "product", named[0].id)
        ctx.why.append(f"回答里提到 {named[0].id}：接下来的简短追问算它的")


KEYED = "keyed"  # session.context: the entries with several wordings (answer_key) said lately → the turn of each


def _said_lately(ctx: TurnContext, entry_id: str) -> bool:
    """有优惠吗 → 买两瓶能打折吗 → 还有别的优惠吗: the entry was said within AGAIN_WITHIN turns of this session
    (another answer in between, bulk_buy, does not make the coupon paragraph new again; the next session does)."""
    return _lately(ctx, (recent(ctx.session, KEYED) or {}).get(entry_id))


def _lately(ctx: TurnContext, said: object) -> bool:
    """`said`: [turn, time] an entry was said at."""
    if not isinstance(said, list) or len(said) != 2:
        return False
    turn, at = said
    return ctx.session.turns - int(turn) <= AGAIN_WITHIN and ctx.now - float(at) < ctx.content.policy.session_gap
AGAIN_SAID = "again"  # session.context: faq.again was said (never twice in a row: engine/coherent.py too)


def said_again_last_turn(session: Session) -> bool:
    return recent(session, AGAIN_SAID, within=1) is not None and recent(session, AGAIN_SAID, within=0) is None


def answer_all(ctx: TurnContext, result: Result, *, asked_again: bool = False) -> None:
    if result.question:  # 孕妇能用吗, then 那A醇呢 asks it again (engine/followup.py)
        remember(ctx.session, ASKED, result.heard)
    condition.keep(ctx.session, result)  # 用了A醇脸上脱皮, then 正常吗 asks about it (engine/condition.py)
    if asked_again and _quoted(ctx, result, result.normalized):  # 敷完要洗脸吗 asked in words the mask entry knows
        return
    if asked_again and about.turned_away(ctx, result):  # 我对烟酰胺过敏: not 「烟酰胺温和不刺激」 after the line
        ctx.why.append("她刚说这款过敏、不喜欢：不再说它那条介绍")
        return
    told = about.told_of(ctx, result) if asked_again else None
    if told is not None:  # A醇那瓶能退吗: the return answer, not the retinol one (engine/about.py) — and no
        ctx.why.append("说到的商品是主语，问的是别的事：按那件事回答")  # "not for you now" about a bottle she returns
    said = len(ctx.reply.messages)
    for entry_id in (told or result).answers:
        answer(ctx, entry_id, asked_again=asked_again, asked=None if told else result)
    no_how_to(ctx, said, result.kinds)


def asked_about(ctx: TurnContext, asked: Result | None) -> set[str]:
    """The products her message names: in full (A醇夜间修护精华) or by a word only one product holds (A醇)."""
    if asked is None:
        return set()
    names = product_names(ctx.content.understanding)
    named = names.named(asked.heard)
    hers = {named.product.id} if named is not None else set()
    return hers | {p.id for word in asked.words if (p := names.only_holder(word)) is not None}


def numbered_choice(ctx: TurnContext, result: Result) -> None:
    """Two FAQ entries fit equally: ask which one, answerable with 1 or 2 (engine/followup.py)."""
    gifted = gift.told_apart(ctx, result)  # 送女朋友 → 能帮忙包装吗: gift wrapping, not a broken bottle
    if gifted is not None:
        answer_all(ctx, gifted)
        return
    first, second = told_apart(ctx.content.understanding, *result.answers[:2])  # never 1. 包邮吗 2. 包邮吗
    remember(ctx.session, "choice", result.answers[:2])
    ctx.say("clarify", first=first, second=second)


def follow_up(ctx: TurnContext, follow: FollowUp, message: str = "") -> None:
    """`message`: what the customer wrote (an FAQ follow-up is read with the topic in front of it)."""
    ctx.why.append(follow.why)
    if follow.instead_of:  # 我的快递怎么还没到 | 都一个礼拜了！！！: the apology and a person, not 查看物流 first
        label = f"faq:{follow.instead_of}"
        ctx.reply.messages[:] = [m for m in ctx.reply.messages if m.label != label]
        ctx.why.append(f"这一轮先答的 {follow.instead_of} 不说了：后一句说的情况由这一条回答")
    said = len(ctx.reply.messages)
    _follow_up(ctx, follow, message)
    if follow.product is not None:
        not_for_her(ctx, follow.product.id, follow.product.name, said)
    if follow.asked:  # 我在备孕 → 水杨酸呢: asks whether she can use it then (unless what is carried asks how)
        asked = ctx.content.understanding.analyze(ctx.content.understanding.normalize(follow.asked)).kinds
        no_how_to(ctx, said, asked if "how" in asked else asked | ASKS_CAN)


def _follow_up(ctx: TurnContext, follow: FollowUp, message: str) -> None:
    if follow.product is not None and follow.about:
        ctx.say("product.about" if ctx.persona.has("product.about") else "fallback",
                product=follow.product.name, pitch=follow.product.pitch)
        remember(ctx.session, "product", follow.product.id)
        if recent(ctx.session, LINK_ASKED, within=1):  # 直接给我链接 → 哪一款？ → 水杨酸的: its link too
            from bot.engine.sales import card_of
            card_of(ctx, follow.product.id)
    elif follow.product is not None and follow.steps:
        for step in follow.steps:
            if isinstance(step, int):
                product_answer = follow.product.answers[step].answer
                ctx.reply.messages.append(Outbound(text=product_answer, label=f"product:{follow.product.id}#{step}"))
            else:
                answer(ctx, step)
        remember(ctx.session, "product", follow.product.id)
    elif follow.product is not None:
        text = follow.product.answers[follow.number].answer
        ctx.reply.messages.append(Outbound(text=text, label=f"product:{follow.product.id}#{follow.number}"))
        remember(ctx.session, "product", follow.product.id)
    elif follow.part and ctx.persona.has("faq.case") and follow.result is not None:
        ctx.say("faq.case", part=follow.part)  # 那A醇呢: the part of the answer just given about A醇
        remember(ctx.session, "topic", follow.result.answers[0])
    elif follow.which and ctx.persona.has("product.which"):  # 修护精华…: which one? her questions wait for it
        names = [p.name for p in follow.which]
        ctx.say("product.which", first="、".join(names[:-1]), second=names[-1])
        remember(ctx.session, WHICH, {"products": [p.id for p in follow.which], "asked": follow.asked})
        return
    elif follow.each:  # 修护精华多少钱, or her pick: every question answered, for each product
        _each(ctx, follow)
    elif follow.unsure:  # 那A醇呢, when no answer speaks of A醇 for what was asked: said plainly, not "上面这条"
        ctx.say("faq.unsure_about" if ctx.persona.has("faq.unsure_about") else "fallback", part=follow.unsure)
    elif follow.result is not None and _upset_again(ctx, follow.result):
        pass  # 多久发货 → 多久能发货啊 → 到底什么时候发: an apology and a person, not the same answer word for word
    elif follow.result is not None and not _quoted(ctx, follow.result, message):
        answer_all(ctx, follow.result)
    if follow.asked:  # 那视黄醇呢 next asks the same question again, not the one read with A醇
        remember(ctx.session, ASKED, follow.asked)


def _each(ctx: TurnContext, follow: FollowUp) -> None:
    """Her questions answered for each product: its own answers, an FAQ answer once however many products need it,
    and the questions nothing answers said plainly (never dropped)."""
    given: set[str] = set()
    for product, steps in follow.each:
        for step in steps:
            if isinstance(step, int):
                text = product.answers[step].answer
                ctx.reply.messages.append(Outbound(text=text, label=f"product:{product.id}#{step}"))
            elif step not in given:
                given.add(step)
                answer(ctx, step)
    for asked in follow.missed:
        ctx.say("faq.unsure_about" if ctx.persona.has("faq.unsure_about") else "fallback", part=asked)
    if len(follow.each) == 1:
        remember(ctx.session, "product", follow.each[0][0].id)


def _upset_again(ctx: TurnContext, result: Result) -> bool:
    """The answer just given, asked again (read with the topic in front) by a customer who is upset: again.kindly's
    apology (faq.again.angry), as when the message itself matched the entry."""
    just = recent(ctx.session, "topic", within=1)
    if result.answers != [just] or not any(result.has_intent(name) for name in again.ANGER):
        return False
    return again.kindly(ctx, ctx.content.understanding.faq_by_id[str(just)], result)


def _quoted(ctx: TurnContext, result: Result, message: str) -> bool:
    """敷完要洗脸吗 right after the mask answer: the part of it that says so (persona `faq.quote`), not all of it."""
    just = recent(ctx.session, "topic", within=1)
    if result.answers != [just] or not ctx.persona.has("faq.quote"):
        return False
    entry = ctx.content.understanding.faq_by_id[just]
    part = part_answering(ctx.content.understanding, entry.answer, message) if entry.answer else None
    if part is None:
        return False
    ctx.say("faq.quote", part=part)
    delivered.beside(ctx, just)  # 能退吗 again days later: counted again today
    remember(ctx.session, "topic", just)
    ctx.why.append(f"刚才的回答（{just}）里说过：只引出说到的那几句")
    return True


def needs_a_person(ctx: TurnContext, result: Result) -> bool:
    """The message is answered by an FAQ entry a person must follow up (收到的瓶子碎了): never small talk."""
    faq = ctx.content.understanding.faq_by_id
    return result.decision is Decision.ANSWER and any(faq[entry].handover for entry in result.answers)


def free_answer(result: Result, state: State | None = None) -> bool:
    """A statement, not a question, a greeting or a thank-you. Small talk (今天好累啊) answers no open question: it
    goes only to a catch-all that lets the customer go without a word (`any: true → end`; she is then answered as
    outside any flow)."""
    if result.chat:
        return state is not None and any(rule.any and rule.end and not rule.say for rule in state.on)
    social = result.has_intent("greeting") or result.has_intent("thanks")
    return not result.question and not (social and result.decision is Decision.MISS)


def _from_the_product(ctx: TurnContext, entry_id: str) -> bool:
    """The product just discussed has its own answer to this question (水杨酸 named, then 怀孕了 还能用吗: its
    "not in pregnancy", not the general pregnancy answer): that answer is given instead of the FAQ's."""
    product_id = recent(ctx.session, "product", within=1)
    if not product_id:
        return False
    understanding = ctx.content.understanding
    found = understanding.product_answer(str(product_id), understanding.faq_by_id[entry_id].questions[0])
    product = next((p for p in understanding.knowledge.products if p.id == product_id), None)
    if found is None or product is None:
        return False
    number = found[0]
    ctx.reply.messages.append(Outbound(text=product.answers[number].answer, label=f"product:{product.id}#{number}"))
    remember(ctx.session, "topic", entry_id)
    ctx.why.append(f"FAQ {entry_id} 问的事，在聊的商品 {product.id} 有自己的回答：按它的回答说")
    return True
