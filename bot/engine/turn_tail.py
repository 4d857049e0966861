"""The tail of a turn's order of precedence (engine/turn.py): what the current state's own rules did not take —
the last offer recalled, 有没有乳液, another flow's start, a follow-up about the product or topic in view, a survey
question left pending, a statement answering the state's open question, an FAQ answer, care, the numbered choice,
and what nothing took (engine/unmatched.py). A module of its own: turn.py stays within ~300 lines."""

from __future__ import annotations

from bot.conversation import Outbound
from bot.engine import aftersales, care, condition, have, minors, recall, replies, stage_can, survey, unmatched, usable
from bot.engine.flow_runner import FlowRunner
from bot.engine.followup import follow_up
from bot.engine.machine import OTHERWISE
from bot.engine.reading import lets_go, state_of, takes_free_answers
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result
from bot.understanding.names import told_name

WILL_ASK = "will_ask"  # the optional intent: 我想问个问题 — she is about to ask, the survey's old question waits


class TurnTail:
    """Mixed into TurnRun: what it reads and writes of the turn."""

    ctx: TurnContext
    flows: FlowRunner
    unsure: list[Outbound]
    answered: bool
    introduced: set[str]

    def _answered(self, said: int) -> bool:
        """A flow took the message: it is answered — unless the flow ended without a word. A rule that lets the
        customer go (`any: true → end`) does not swallow what she said: the other rules answer it, as outside
        any flow."""
        if self.flows.current is not None or len(self.ctx.reply.messages) > said:
            return True
        self.ctx.why.append("流程结束了却一句话没说：这句话按不在流程里再回答一次")
        return False

    def _beyond_the_rules(self, result: Result, said: int) -> None:
        """What the current state's own rules did not take (or a flow let go of without a word)."""
        ctx, session, flows = self.ctx, self.ctx.session, self.flows
        if minors.asked(ctx, result):  # 宝宝能用你们的保湿水吗: kids_use, not the toner's own answers
            replies.answer_all(ctx, result)
            self.answered = True
            return
        if recall.recall(ctx, result) or have.answered(ctx, result):  # 上次那个精华叫啥 / 有没有乳液
            return
        if usable.answered(ctx, result):  # 我怀孕了 → 有什么能用的: what she can use now, not the stage's FAQ again
            self.answered = True  # a survey question waiting is asked again, lighter
            return
        if stage_can.answered(ctx, result):  # 我怀孕了 … 防晒能用吗: the sunscreen's own answer for her time
            self.answered = True
            return
        if flows.start_by_intent(result) and self._answered(said):
            return  # 有什么推荐的吗, 推荐什么 right after the dry-skin answer: a recommendation, not that again
        follow = follow_up(session, ctx.content.understanding, result)
        if follow is not None:
            replies.follow_up(ctx, follow, result.text)
            self.answered = True
            return
        pending = survey.pending_after_silence(ctx)
        if pending is not None and result.has_intent(WILL_ASK) and ctx.persona.has(f"intent.{WILL_ASK}"):
            session.asked_at = ctx.now  # 在吗 我想问个问题 on her return: she asks first, the old question waits
            ctx.say(f"intent.{WILL_ASK}")
            return
        if pending is not None and result.question and result.words and result.decision is not Decision.ANSWER:
            session.asked_at = ctx.now  # 用了有点干 正常吗 on her return: said so, not the old question over it
            ctx.say("fallback")
            return
        if pending is not None:
            if result.decision is Decision.ANSWER:  # their question first, then the pending one
                replies.answer_all(ctx, result)
            if not ctx.reply.handover_after:  # 用了脸有点红 还痒: handed over, no survey question after it
                survey.ask_again(ctx, pending)
            return
        state = state_of(flows.current, session.state)
        if (takes_free_answers(state) and replies.free_answer(result, state) and not replies.needs_a_person(ctx, result)
                and not aftersales.her_case(ctx, result)  # 我要取消订单 不想要了: her order, no answer to it
                and (lets_go(state) or not care.hers(ctx, result)) and result.text not in self.introduced
                and not care.told_only(ctx, result)  # 学生党 预算不多 at 精简派还是步骤党: noted, the question waits
                and not told_name(result, ctx.content.understanding.understand)  # 其实叫我美美就好: her name
                and flows.fire(OTHERWISE, result)):
            if not self._answered(said):  # its catch-all ended the flow: read again, as outside any flow
                self._beyond_the_rules(result, said)
            return  # a statement answers the state's own open question; an FAQ sharing words does not
        # 我最近脸上冒痘 at 精简派还是步骤党: her complaint is no answer to an open question — care, the question waits
        in_flow = flows.current is not None
        concern = care.complaint(ctx, result)
        if condition.told_more(ctx, result):  # 我怀孕了 → 四个月了: how far along she is, not how long a bottle lasts
            return
        if result.decision is Decision.ANSWER and (concern is None or care.by_faq(ctx, result)):
            replies.answer_all(ctx, result, asked_again=True)
            self.answered = True
            return
        if concern is not None:  # 还是爆痘, 最近又爆痘了 好烦: care, never a product, never "not sure"
            care.comfort(ctx, result, concern)
            return
        if result.decision is Decision.CLARIFY and (result.question or not result.intents):
            replies.numbered_choice(ctx, result)  # 好的收到 (an answer, not a question) gets no menu of two
            return
        self.unsure += unmatched.reply(ctx, flows, result, state, in_flow, introduced=result.text in self.introduced)
