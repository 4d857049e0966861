"""One customer turn: what kind of input it is, what the customer meant, and what the bot does about it.

Order of precedence for what a customer wrote (docs/authoring.md explains it to operators):
opt-out → ask for a human → 1 or 2 after a numbered choice → an ambiguous reply is asked again, lighter →
the current flow's rules → a short follow-up about the product or topic just discussed → another flow
that starts on it → a statement answering the state's open question (its catch-all) → an FAQ answer (the
flow resumes) or a numbered choice → greeting/thanks → a question we cannot answer is said so, the flow
waits → reprompt, reprompt, fallback. A burst is read piece by piece in that order (engine/burst.py).
"""

from __future__ import annotations

from bot.conversation import InboundKind, Outbound
from bot.engine.burst import pieces
from bot.engine.flow_runner import FlowRunner
from bot.engine.followup import FollowUp, chosen, follow_up, remember
from bot.engine.machine import FALLBACK, OTHERWISE, SAID, SILENCE
from bot.engine.reading import ambiguous, state_of, takes_free_answers
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result

HANDOVER_SILENCE_S = 12 * 3600  # after a handover the bot keeps quiet this long unless reset
_NON_TEXT = {InboundKind.IMAGE, InboundKind.VOICE, InboundKind.VIDEO, InboundKind.FILE,
             InboundKind.LOCATION, InboundKind.LINK, InboundKind.OTHER}


class TurnRun:
    def __init__(self, ctx: TurnContext, *, burst_window: float) -> None:
        self.ctx = ctx
        self.flows = FlowRunner(ctx)
        self.burst_window = burst_window

    # -- entry -----------------------------------------------------------------------------------
    def run(self) -> None:
        ctx, session = self.ctx, self.ctx.session
        kind = ctx.inbound.kind
        if kind is InboundKind.TIMER:
            self._timer()
        elif kind in (InboundKind.WELCOME, InboundKind.ENTER_SESSION):
            ctx.cancel_timer()
            session.pending.clear()
            self.flows.end("new welcome")
            event = "welcome" if kind is InboundKind.WELCOME else "enter_session"
            if not self.flows.start_by_event(event):
                ctx.say(event if ctx.persona.has(event) else "welcome")
        elif self._handed_over():
            ctx.why.append("handed over to a human: the bot stays silent")
        elif kind is InboundKind.TEXT:
            ctx.cancel_timer()
            if self.burst_window > 0:
                session.pending.append([ctx.inbound.text, ctx.now])
                ctx.set_timer("settle", ctx.now + self.burst_window)
                ctx.why.append("waiting for the burst to end before answering")
            else:
                self._said([ctx.inbound.text])
        elif kind is InboundKind.STICKER:
            ctx.cancel_timer()
            self._answer_pending()  # a burst ended by a sticker is still answered
            if ctx.persona.has("sticker"):
                ctx.say("sticker")
            else:
                ctx.why.append("a sticker: silence by design")
        elif kind in _NON_TEXT:
            ctx.cancel_timer()
            self._answer_pending()
            ctx.say("non_text")
        else:
            ctx.why.append(f"{kind} needs no reply")
        session.trace = ctx.why

    def _handed_over(self) -> bool:
        at = self.ctx.session.handover_at
        return bool(at) and self.ctx.now - at < HANDOVER_SILENCE_S

    def _answer_pending(self) -> None:
        """Answer the texts of a burst as one turn."""
        texts = [str(text) for text, _ in self.ctx.session.pending]
        self.ctx.session.pending.clear()
        if texts:
            self.ctx.why.append(f"burst of {len(texts)} message(s) answered as one turn")
            self._said(texts)

    def _timer(self) -> None:
        ctx = self.ctx
        data, timer = ctx.inbound.data, ctx.session.timer
        if timer is None or data.get("token") != timer.get("token"):
            ctx.why.append("a timer that was cancelled fired: ignored")
            return
        ctx.session.timer = None
        if data.get("kind") == "settle":
            if self._handed_over():
                ctx.session.pending.clear()
                return
            self._answer_pending()
            return
        self.flows.fire(SILENCE, None)

    # -- what the customer wrote -----------------------------------------------------------------
    def _said(self, texts: list[str]) -> None:
        ctx = self.ctx
        for number, piece in enumerate(pieces(texts, ctx.content.understanding.understand)):
            asked, fired = ctx.asked, len(ctx.session.fired)
            self._understand_and_answer(piece)
            if number and asked.answered_by(ctx.session.fired[fired:]):
                asked.drop_from(ctx.reply.messages)  # answered within the burst: no need to ask it
        if ctx.session.timer is None:
            self.flows.arm_silence()  # still waiting in the same state: its silence rule counts from now

    def _understand_and_answer(self, text: str) -> None:
        ctx, session, flows = self.ctx, self.ctx.session, self.flows
        understanding = ctx.content.understanding
        result = understanding.understand(text)
        ctx.why.append(f"understood: {result.decision} ({result.reason}); intents {result.intents}")
        if not result.normalized:
            ctx.say("empty")
            return
        if result.has_intent("opt_out"):
            session.opted_out = True
            ctx.why.append("opt_out: remembered for good")
            flows.end("opt-out")
            ctx.say("opt_out")
            return
        if result.has_intent("ask_human"):
            flows.hand_over("the customer asked for a human")
            return
        picked = chosen(session, result)
        if picked is not None:
            ctx.why.append(f"picked {picked} from the numbered choice")
            self._answer(picked)
            return
        state = state_of(flows.current, session.state)
        both = ambiguous(state, result)
        if both is not None:
            ctx.why.append(f"the reply could be {both[0]} or {both[1]}: the question again, lighter")
            ctx.say(state.reprompt[0] if state is not None and state.reprompt else "unsure")
            return
        in_flow = flows.current is not None
        if flows.fire(SAID, result):
            return
        follow = follow_up(session, understanding, result)
        if follow is not None:
            self._follow_up(follow)
            return
        if flows.start_by_intent(result):
            return
        if takes_free_answers(state) and self._free_answer(result) and flows.fire(OTHERWISE, result):
            return  # a statement answers the state's own open question; an FAQ sharing words does not
        if result.decision is Decision.ANSWER:
            for entry_id in result.answers:
                self._answer(entry_id)
            return
        if result.decision is Decision.CLARIFY:
            first, second = (understanding.faq_by_id[e].questions[0] for e in result.answers[:2])
            remember(session, "choice", result.answers[:2])
            ctx.say("clarify", first=first, second=second)
            return
        for smalltalk in ("greeting", "thanks"):
            if result.has_intent(smalltalk):
                ctx.say(smalltalk)
                return
        if not in_flow and result.has_intent("cold"):
            ctx.why.append("a cold answer outside any flow: silence by design")
            return
        if not in_flow and (result.has_intent("affirm") or result.has_intent("deny")):
            ctx.say("ack")
            return
        if result.near_miss:
            ctx.reply.near_miss = result
        if result.question and takes_free_answers(state):  # its catch-all must not take the question
            ctx.why.append("a question the knowledge base cannot answer: said so, the flow waits where it is")
            ctx.say("fallback")
            return
        self._not_understood()

    @staticmethod
    def _free_answer(result: Result) -> bool:
        """A statement, not a question, a greeting or a thank-you."""
        social = result.has_intent("greeting") or result.has_intent("thanks")
        return not result.question and not (social and result.decision is Decision.MISS)

    def _follow_up(self, follow: FollowUp) -> None:
        ctx = self.ctx
        ctx.why.append(follow.why)
        if follow.product is not None:
            answer = follow.product.answers[follow.number].answer
            ctx.reply.messages.append(Outbound(text=answer, label=f"product:{follow.product.id}#{follow.number}"))
            remember(ctx.session, "product", follow.product.id)
        elif follow.result is not None:
            for entry_id in follow.result.answers:
                self._answer(entry_id)

    def _not_understood(self) -> None:
        ctx, session = self.ctx, self.ctx.session
        flow = self.flows.current
        if flow is None or session.state not in flow.spec.states:
            ctx.say("fallback")
            return
        state = flow.spec.states[session.state]
        session.misses += 1
        reprompts = [*state.reprompt, "reprompt", "reprompt"][:2]  # always two tries, then fallback
        if session.misses <= len(reprompts):
            ctx.why.append(f"not understood ({session.misses}): reprompt")
            ctx.say(reprompts[session.misses - 1])
            return
        ctx.why.append("not understood again: fallback, never a loop")
        if state.fallback is not None and self.flows.fire(FALLBACK, None):
            return
        ctx.say("fallback")
        self.flows.end("fallback")

    def _answer(self, entry_id: str) -> None:
        entry = self.ctx.content.understanding.faq_by_id[entry_id]
        if entry.answer_key:
            self.ctx.say(entry.answer_key)
        elif entry.answer:
            self.ctx.reply.messages.append(Outbound(text=entry.answer, label=f"faq:{entry_id}"))
        remember(self.ctx.session, "topic", entry_id)
        self.ctx.why.append(f"FAQ {entry_id} answered; the flow resumes where it was")
