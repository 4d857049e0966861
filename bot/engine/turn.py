"""One customer turn: what kind of input it is, what the customer meant, and what the bot does about it.

What a customer wrote is read for need evidence (docs/policy.md), then answered by the first rule of the order of
precedence that takes it — opt-outs and a person first, then replies to what the bot just asked, the flow's rules,
follow-ups about the product or topic in view, FAQ answers, care, small talk, a suggestion, the honest fallback.
The order, step by step, is in docs/engine.md (the turn) and, for operators, docs/authoring.md. A burst is read
piece by piece in that order (engine/burst.py); then, outside any flow, the policy may start its flow when what
she wrote showed need (an urgent need does not wait for the end of another flow).
"""

from __future__ import annotations

from bot.conversation import MSGID, InboundKind, Outbound
from bot.engine import (
    aftersales,
    allergen,
    backoff,
    budget,
    coherent,
    delivered,
    minors,
    moments,
    order_number,
    other_question,
    recalled,
    replies,
    sales,
    situation,
    skin_type,
    suggestion,
    survey,
    told,
    urgent,
    welcome,
)
from bot.engine.burst import answered_before, engaged, pieces, says_again, taken_back, without_acks
from bot.engine.flow_runner import FlowRunner
from bot.engine.handover import handback, handed_over
from bot.engine.machine import SAID, SILENCE
from bot.engine.memory import chosen, recent, remember
from bot.engine.proactive import followup
from bot.engine.reading import (
    acknowledges,
    ambiguous,
    disputes_answer,
    hears_answer,
    state_of,
    understood,
)
from bot.engine.turn_context import TurnContext
from bot.engine.turn_tail import TurnTail
from bot.engine.which import picked as product_picked
from bot.understanding.matcher import Result

_NON_TEXT = frozenset({InboundKind.IMAGE, InboundKind.VOICE, InboundKind.VIDEO, InboundKind.FILE,
                       InboundKind.LOCATION, InboundKind.LINK, InboundKind.OTHER})
_CUSTOMER_ACTS = _NON_TEXT | {InboundKind.WELCOME, InboundKind.ENTER_SESSION, InboundKind.STICKER}


class TurnRun(TurnTail):
    def __init__(self, ctx: TurnContext, *, burst_window: float, handover_timeout: float = 0.0) -> None:
        self.ctx = ctx
        self.flows = FlowRunner(ctx)
        self.burst_window = burst_window
        self.handover_timeout = handover_timeout  # 0: only the human ending the session gives it back
        self.unsure: list[Outbound] = []  # "not sure" (or a reprompt) said to a statement, this turn
        self.pieces = 1  # how many pieces this turn answers (a burst, or 好 + 那我下单了 cut from one message)
        self.answered = False  # an FAQ was answered while the flow waits (its question is asked again after)
        self.introduced: set[str] = set()  # 我是李姐 cut off before her question: a name told (engine/burst.py)
        self.fell_back: list[tuple[Result, Outbound]] = []  # a piece and the fallback said to it

    # -- entry -----------------------------------------------------------------------------------
    def run(self) -> None:
        ctx, session = self.ctx, self.ctx.session
        kind = ctx.inbound.kind
        if kind in _CUSTOMER_ACTS and ctx.profile.seen(ctx.now, ctx.content.policy.session_gap, session.channel):
            ctx.why.append(f"新的一次会话（第 {ctx.profile.sessions} 次）")
        if kind is InboundKind.HANDBACK:
            handback(ctx)
        elif kind is InboundKind.TIMER:
            self._timer()
        elif kind is InboundKind.FOLLOWUP:
            followup(ctx, self.flows)
        elif kind in (InboundKind.WELCOME, InboundKind.ENTER_SESSION):
            welcome.start(self.ctx, self.flows, kind)
        elif kind is InboundKind.RECALL:
            recalled.take_back(ctx)
        elif recalled.came_after_recall(ctx):
            pass
        elif handed_over(ctx, self.handover_timeout):
            ctx.why.append("已转人工：机器人不说话")
            if kind is InboundKind.TEXT:  # the number she gives the person is kept for after the handback
                order_number.read(ctx, [ctx.inbound.text])
        elif kind is InboundKind.TEXT:
            ctx.cancel_timer()
            if self.burst_window > 0:
                session.pending.append([ctx.inbound.text, ctx.now, ctx.inbound.data.get(MSGID, "")])
                ctx.set_timer("settle", ctx.now + self.burst_window)
                ctx.why.append("等顾客把连发的几条发完再一起回答")
            else:
                self._said([ctx.inbound.text])
        elif kind is InboundKind.STICKER:
            ctx.cancel_timer()
            self._answer_pending()  # a burst ended by a sticker is still answered
            if ctx.persona.has("sticker"):
                ctx.say("sticker")
            else:
                ctx.why.append("表情包：人设里没有 sticker，故意不回")
        elif kind in _NON_TEXT:
            ctx.cancel_timer()
            self._answer_pending()
            ctx.say("non_text")
        else:
            ctx.why.append(f"{kind} 不用回复")
        if any(message.label == "fallback" for message in ctx.reply.messages):
            remember(session, "offered_human", True)  # the fallback asks whether she wants a person
        # the fallback says 记下来请同事确认: what it answered is recorded (siyu misses), unless it was taken back
        ctx.reply.unanswered = [result for result, said in self.fell_back
                                if any(said is message for message in ctx.reply.messages)]
        session.trace = ctx.why

    def _answer_pending(self) -> None:
        """Answer the texts of a burst as one turn."""
        texts = [str(entry[0]) for entry in self.ctx.session.pending]
        self.ctx.session.pending.clear()
        if texts:
            self.ctx.why.append(f"连发的 {len(texts)} 条消息一起回答一次")
            self._said(texts)

    def _timer(self) -> None:
        ctx = self.ctx
        data, timer = ctx.inbound.data, ctx.session.timer
        if timer is None or data.get("token") != timer.get("token"):
            ctx.why.append("一个已经取消的计时到了：不管它")
            return
        ctx.session.timer = None
        if data.get("kind") == "settle":
            if handed_over(ctx, self.handover_timeout):
                ctx.session.pending.clear()
                return
            self._answer_pending()
            return
        self.flows.fire(SILENCE, None)

    # -- what the customer wrote -----------------------------------------------------------------
    def _said(self, texts: list[str]) -> None:
        ctx = self.ctx
        understanding = ctx.content.understanding
        readings: dict[str, Result] = {}

        def understand(text: str) -> Result:
            """understand(text) once per turn: pieces() reads a short reply to cut it off (好呀，叫我小雨), reads
            every piece again to weigh them, and each piece kept is answered — the same text, the same Result."""
            result = readings.get(text)
            if result is None:
                result = readings[text] = understanding.understand(text)
            return result

        order_number.read(ctx, texts)  # 单号是 SY…: kept, so no answer asks for it again
        delivered.read(ctx, texts)  # 18号签收的: the days since, said beside the return answer
        results = engaged([situation.read(ctx, told.as_told(ctx, understand(piece)))  # 没收到啊 about the coupon
                           for piece in pieces(texts, understand, understanding.may_reply, self.introduced)])
        results = taken_back(self._without_the_number(results), ctx.why)  # 发货 | 算了 | 包邮吗: 包邮 alone
        results = skin_type.read(ctx, results)  # 我敏感肌 | 一用东西就泛红刺痛: her skin, no after-sales allergy
        results = minors.read(ctx, results)  # 我儿子上初中: our products are for adults (kids_use), none recommended
        aftersales.note_arrived(ctx, results)  # 收到啦: the care after a purchase does not ask 收到了吗
        away = ctx.now - (ctx.profile.last_seen or ctx.now)  # before read_messages sees her
        showed_need = sales.read_messages(ctx, results, ctx.now)  # the whole message is evidence (明天面试: urgent)
        survey.invite_left(ctx, self.flows, away)  # back days later: an invitation left open is let go
        results = moments.read(ctx, results)  # 后天婚礼 脸好干: 恭喜 first, then the rest of the message is answered
        self.pieces = len(results)
        answering = ctx.session.flow == ctx.content.policy.flow  # a reply to the policy's own flow (its offer)
        reprompted: list[Outbound] = []  # "say that again" to a piece of this burst
        answers: list[tuple[Result, list[Outbound]]] = []  # each piece and what was said to it
        for number, result in enumerate(results):
            if number and says_again(results[number - 1], result):
                ctx.why.append(f"“{result.text}” 和前面一条说的一样：只回答一次")
                continue
            if answered_before(results[:number], result, ctx.content.understanding.thresholds.near_miss):
                ctx.why.append(f"“{result.text}” 和前面一条问的是同一件事：只回答一次")
                continue
            asked, fired = ctx.asked, len(ctx.session.fired)
            misses, said = ctx.session.misses, len(ctx.reply.messages)
            self._understand_and_answer(result)
            aftersales.asked_beside(ctx, result, said)  # 用什么好呢？另外你们几点发货？: the shipping answer too
            self.fell_back += [(result, m) for m in ctx.reply.messages[said:] if m.label.split(".")[0] == "fallback"]
            answers.append((result, ctx.reply.messages[said:]))
            if ctx.session.misses > misses:
                reprompted += ctx.reply.messages[said:]
            elif reprompted and len(ctx.session.fired) > fired:  # 我叫 + 小雨: the second piece answers it
                ctx.reply.messages[:] = [m for m in ctx.reply.messages if all(m is not r for r in reprompted)]
                reprompted = []
                ctx.why.append("连发里后面一条答了前面没答的：不再追问")
            if number and (asked.answered_by(ctx.session.fired[fired:]) or ctx.session.flow != asked.flow):
                asked.drop_from(ctx.reply.messages)  # answered, its flow ended (好的 + 不用推荐了) or gave way
            elif number and result.question and said < len(ctx.reply.messages) and asked.move_to_end(
                    ctx.reply.messages, ctx.session.flow, ctx.session.state):
                ctx.why.append(f"答完“{result.text}”，再问一次 {asked.flow}.{asked.state}")
        budget.trial(ctx, results)  # 太贵了 after an offer to a student: the 9.9元 trial size too
        aftersales.details_of_the_case(ctx, answers)  # 赠品没收到 | 说好送小样的: no promotion in a complaint
        ctx.reply.messages[:] = without_acks(ctx.reply.messages)
        coherent.tidy(ctx, self.unsure + reprompted)  # one turn, one coherent reply (engine/coherent.py)
        ctx.profile.seen(ctx.now, ctx.content.policy.session_gap, ctx.session.channel)
        if ctx.reply.handover_after and not ctx.reply.handover:  # 收到的碎了: the answer asks for photos
            order_number.acknowledged(ctx)  # … and the order number she gave goes with it
            self.flows.hand_over(f"FAQ {ctx.reply.handover_after} 要人接着处理", say=False)
            return
        if self.answered:
            survey.ask_lightly(ctx)
        if showed_need and (self.flows.current is None or (sales.URGENT in showed_need
                                                           and ctx.session.flow != ctx.content.policy.flow)):
            self._need_shown(answering)  # an urgent need does not wait for the welcome's 回“好”
        if ctx.session.timer is None:
            self.flows.arm_silence()  # still waiting in the same state: its silence rule counts from now

    def _without_the_number(self, results: list[Result]) -> list[Result]:
        """单号是 SY20261120001 beside 我的订单还没到: the piece that only gives the order number is no message of its
        own (the other pieces' answers take it); alone, it is received (engine/order_number.py)."""
        ctx = self.ctx
        spec, understanding = ctx.content.understanding.knowledge.order_numbers, ctx.content.understanding
        rest = [result for result in results if not order_number.only_gives(spec, understanding, result.text)]
        if len(rest) < len(results) and rest:
            ctx.why.append("只给了订单号的那一条不单独回答：和其他几条一起算")
        elif len(rest) < len(results):
            order_number.lone(ctx)
        return rest

    def _need_shown(self, answering: bool) -> None:
        """Outside any flow (or in one, for an urgent need) after a message that showed need: the policy may
        start its flow — not right after the customer answered it (还是爆痘 to an offer is not asked again)."""
        ctx = self.ctx
        if answering:
            ctx.why.append(f"顾客在回 {ctx.content.policy.flow} 流程的话：这一轮不再重新开始它")
            return
        if not sales.should_start(ctx, asking=any(message.label == "clarify" for message in ctx.reply.messages)):
            return
        if self.flows.current is not None:
            self.flows.end("很急的需求优先")
        said = len(ctx.reply.messages)
        self.flows.start_by_event(sales.PROACTIVE_START)
        if self.unsure and len(ctx.reply.messages) > said:  # 最近又爆痘了，好烦: the need is what it said
            ctx.reply.messages[:] = [m for m in ctx.reply.messages if all(m is not u for u in self.unsure)]
            ctx.why.append("这句话显示出需求：由克制策略的流程回答，不说“不太确定”")

    def _understand_and_answer(self, result: Result) -> None:
        ctx, session, flows = self.ctx, self.ctx.session, self.flows
        ctx.why.append(understood(result))
        if not result.normalized:
            ctx.say("empty")
            return
        if backoff.stops(ctx, flows, result):  # 把我的信息都删了, 别推了, 转人工, 滚: engine/backoff.py
            return
        if urgent.answered(ctx, result):  # 孩子误食了, 进了眼睛, 刷伤了: first, and alone (engine/urgent.py)
            return
        if allergen.answered(ctx, result):  # 我对烟酰胺过敏 提亮精华能用吗: it holds it, so no (engine/allergen.py)
            return
        if recent(session, "offered_human", within=1) and acknowledges(result) and self.pieces == 1:
            # 好 + 那我下单了 says yes to something else: only a yes and nothing more takes the offer
            flows.hand_over("问她要不要转人工，她说要")
            return
        picked = chosen(session, result)
        if picked is not None:
            ctx.why.append(f"顾客从编号里选了 {picked}")
            replies.answer(ctx, picked)
            self.answered = True
            return
        replied, result = suggestion.replied(ctx, result)  # 你是想问「…」吗 → 是 / 不是 / 不是，我是问…
        if replied:
            self.answered = replied == suggestion.ANSWERED
            return
        pick = product_picked(session, ctx.content.understanding, result)  # 修护精华… → 哪一款？ → 2: before 2 answers
        if pick is not None:  # the survey's question (engine/which.py)
            replies.follow_up(ctx, pick, result.text)
            self.answered = True
            return
        state = state_of(flows.current, session.state)
        if state is not None and ((disputes_answer(session, result) and ctx.persona.has("faq.wrong"))
                                  or hears_answer(session, state, result)):
            ctx.why.append("刚答完 FAQ 后的一句“好的/不是”是对回答说的，不是回流程里更早的问题：流程先等着")
            ctx.say("ack" if hears_answer(session, state, result) else "faq.wrong")  # 不是: the answer missed
            return
        both = ambiguous(state, result)
        if both is not None:
            ctx.why.append(f"这句回答既像 {both[0]} 又像 {both[1]}：不猜，把问题轻一点再问一次")
            ctx.say(state.reprompt[0] if state is not None and state.reprompt else "unsure")
            return
        if other_question.answered(ctx, state, result):  # 有点干 at 精简派还是步骤党: her skin, the question waits
            return
        said = len(ctx.reply.messages)
        case = aftersales.her_case(ctx, result) if state is not None else ""
        if case:  # 我要取消订单 不想要了 at 想先聊聊你的皮肤情况吗: her order, no "no" (engine/aftersales.py)
            ctx.why.append(f"问的是她订单的售后（{case}）：先回答，不按 {session.flow}.{session.state} 的是/不是读")
        elif (flows.fire(SAID, result) or flows.answered_by_profile()) and self._answered(said):
            return
        self._beyond_the_rules(result, said)
