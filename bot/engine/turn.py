"""One customer turn: what kind of input it is, what the customer meant, and what the bot does about it.

Order of precedence for what a customer wrote (docs/authoring.md explains it to operators):
opt-out → ask for a human → the current flow's rules → another flow that starts on it → an FAQ answer
(the flow resumes) or a clarifying question → greeting/thanks → reprompt, reprompt, fallback.
"""

from __future__ import annotations

from bot.conversation import InboundKind, Outbound
from bot.engine.flow_runner import FlowRunner
from bot.engine.machine import FALLBACK, OTHERWISE, SAID, SILENCE
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision

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
                self._said(ctx.inbound.text)
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
        """Answer the texts of a burst, joined, as one turn."""
        texts = [str(text) for text, _ in self.ctx.session.pending]
        self.ctx.session.pending.clear()
        if texts:
            self.ctx.why.append(f"burst of {len(texts)} message(s) answered as one turn")
            self._said("，".join(t for t in texts if t.strip()))

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
    def _said(self, text: str) -> None:
        self._understand_and_answer(text)
        if self.ctx.session.timer is None:
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
        in_flow = flows.current is not None
        if flows.fire(SAID, result):
            return
        if flows.start_by_intent(result):
            return
        if result.decision is Decision.ANSWER:
            for entry_id in result.answers:
                self._answer(entry_id)
            return
        if result.decision is Decision.CLARIFY:
            first, second = (understanding.faq_by_id[e].questions[0] for e in result.answers[:2])
            ctx.say("clarify", first=first, second=second)
            return
        if flows.fire(OTHERWISE, result):
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
        self._not_understood()

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
        self.ctx.why.append(f"FAQ {entry_id} answered; the flow resumes where it was")
