"""The engine: one customer turn = load the session, understand, run the flow, say it, save.

Order of precedence for what a customer wrote (docs/authoring.md explains it to operators):
opt-out → ask for a human → the current flow's rules → another flow that starts on it → an FAQ answer
(the flow resumes) or a clarifying question → greeting/thanks → reprompt, reprompt, fallback.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation import Inbound, InboundKind, Outbound, Turn
from bot.engine.content import Content
from bot.engine.flows import Effects, StartOn, seconds
from bot.engine.library import Library
from bot.engine.machine import FALLBACK, OTHERWISE, PROCEED, SAID, SILENCE, CompiledFlow, Step, holds
from bot.engine.persona import Persona
from bot.engine.session import Session, Sessions
from bot.store.base import Store
from bot.timers import Timers
from bot.understanding.matcher import Decision, Result

log = logging.getLogger(__name__)

NEAR_MISSES = "siyu:log:near_misses"
HANDOVER_SILENCE_S = 12 * 3600  # after a handover the bot keeps quiet this long unless reset
MAX_STEPS = 24  # flow moves in one turn; more means a loop the checker could not see
LOCK_TTL_MS = 15_000
_NON_TEXT = {InboundKind.IMAGE, InboundKind.VOICE, InboundKind.VIDEO, InboundKind.FILE,
             InboundKind.LOCATION, InboundKind.LINK, InboundKind.OTHER}


class Busy(RuntimeError):
    """Another process holds this customer's lock for too long; the event is retried."""


@dataclass
class _Reply:
    """What one turn collects before it is turned into a Turn."""

    messages: list[Outbound] = field(default_factory=list)
    handover: bool = False
    schedule: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)
    near_miss: Result | None = None


class Engine:
    def __init__(
        self,
        library: Library,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        timezone: str = "Asia/Shanghai",
        burst_window: float = 2.0,
    ) -> None:
        self.library = library
        self.store = store
        self.sessions = Sessions(store)
        self.timers = Timers(store)
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        self.burst_window = burst_window

    # -- the Conversation interface --------------------------------------------------------------
    async def respond(self, key: str, inbound: Inbound) -> Turn:
        async with self._locked(key):
            session = await self.sessions.load(key)
            done = session.done_turn(inbound.event_id)
            if done is not None:
                return _turn_from(done)
            reply = _Reply()
            self._turn(key, session, inbound, reply)
            turn = Turn(messages=reply.messages, handover=reply.handover)
            for due, data in reply.schedule:  # before the save: a crash leaves a timer that is ignored
                assert session.timer is not None
                session.timer["member"] = await self.timers.schedule(due, data)
            session.remember_turn(inbound.event_id, _turn_to(turn))
            await self.sessions.save(key, session)
            for member in reply.cancel:
                await self.timers.cancel(member)
            if reply.near_miss is not None:
                await self._record_near_miss(reply.near_miss)
            return turn

    async def reset(self, key: str) -> None:
        session = await self.sessions.load(key)
        if session.timer:
            await self.timers.cancel(session.timer.get("member", ""))
        await self.sessions.reset(key)

    @asynccontextmanager
    async def _locked(self, key: str) -> AsyncIterator[None]:
        lock, owner = f"siyu:lock:{key}", uuid.uuid4().hex
        deadline = time.monotonic() + 10
        while not await self.store.acquire(lock, owner, LOCK_TTL_MS):
            if time.monotonic() > deadline:
                raise Busy(f"customer lock {key} is held")
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            await self.store.release(lock, owner)

    async def _record_near_miss(self, result: Result) -> None:
        record = {
            "at": round(self.clock(), 3),
            "text": result.text[:200],
            "normalized": result.normalized[:200],
            "candidates": [[c.entry, round(c.score, 1), c.matched] for c in result.candidates[:3]],
        }
        await self.store.lpush_capped(NEAR_MISSES, json.dumps(record, ensure_ascii=False), 10_000)

    # -- one turn (synchronous: no await between reading and writing the session) ----------------
    def _turn(self, key: str, session: Session, inbound: Inbound, reply: _Reply) -> None:
        now = inbound.at or self.clock()
        session.trace, session.fired = [], []
        content = self._content_for(session)
        if not session.persona or session.persona not in content.personas:
            session.persona = content.persona_for(inbound.channel or session.channel).id
        if inbound.channel:
            session.channel = inbound.channel
        turn = _TurnRun(self, content, key, session, inbound, reply, now)
        turn.run()
        session.last_seen = max(session.last_seen, now)
        session.turns += 1

    def _content_for(self, session: Session) -> Content:
        current = self.library.current
        if not session.flow or session.version == current.version:
            return current
        kept = self.library.version(session.version)
        if kept is not None:
            return kept  # finish the flow on the version it started with
        flow = current.flows.get(session.flow)
        if flow is None or session.state not in flow.spec.states:
            log.warning("stored flow state %s.%s no longer exists after a content change; restarting at a "
                        "safe point", session.flow, session.state)
            session.trace = [f"{session.flow}.{session.state} 已不存在 (content changed): 流程重新开始"]
            session.state = flow.spec.start if flow is not None else ""
            session.flow = session.flow if flow is not None else ""
        session.version = current.version
        return current

    def hour(self, at: float) -> int:
        return datetime.fromtimestamp(at, self.zone).hour


class _TurnRun:
    """The work of one turn, with everything it needs at hand."""

    def __init__(self, engine: Engine, content: Content, key: str, session: Session, inbound: Inbound,
                 reply: _Reply, now: float) -> None:
        self.engine = engine
        self.content = content
        self.key = key
        self.session = session
        self.inbound = inbound
        self.reply = reply
        self.now = now
        self.persona: Persona = content.personas[session.persona]
        self.why: list[str] = list(session.trace)  # a note left while choosing the content version

    # -- entry -----------------------------------------------------------------------------------
    def run(self) -> None:
        kind, session = self.inbound.kind, self.session
        if kind is InboundKind.TIMER:
            self._timer()
        elif kind in (InboundKind.WELCOME, InboundKind.ENTER_SESSION):
            self._cancel_timer()
            session.pending.clear()
            self._end_flow("new welcome")
            event = "welcome" if kind is InboundKind.WELCOME else "enter_session"
            if not self._start_by_event(event):
                self.say(event if self.persona.has(event) else "welcome")
        elif self._handed_over():
            self.why.append("handed over to a human: the bot stays silent")
        elif kind is InboundKind.TEXT:
            self._cancel_timer()
            if self.engine.burst_window > 0:
                session.pending.append([self.inbound.text, self.now])
                token = uuid.uuid4().hex[:16]
                session.timer = {"token": token, "kind": "settle"}
                self.reply.schedule.append((self.now + self.engine.burst_window, self._timer_data(token, "settle")))
                self.why.append("waiting for the burst to end before answering")
            else:
                self._said(self.inbound.text)
        elif kind is InboundKind.STICKER:
            self._cancel_timer()
            self._answer_pending()  # a burst ended by a sticker is still answered
            if self.persona.has("sticker"):
                self.say("sticker")
            else:
                self.why.append("a sticker: silence by design")
        elif kind in _NON_TEXT:
            self._cancel_timer()
            self._answer_pending()
            self.say("non_text")
        else:
            self.why.append(f"{kind} needs no reply")
        self.session.trace = self.why

    def _handed_over(self) -> bool:
        return bool(self.session.handover_at) and self.now - self.session.handover_at < HANDOVER_SILENCE_S

    def _timer_data(self, token: str, kind: str) -> dict[str, str]:
        return {"conv": self.key, "customer": self.inbound.customer, "token": token, "kind": kind}

    def _cancel_timer(self) -> None:
        """Any timer is off once the customer acts (a burst's texts stay in session.pending)."""
        timer = self.session.timer
        if timer is not None:
            if timer.get("member"):
                self.reply.cancel.append(str(timer["member"]))
            self.session.timer = None

    def _answer_pending(self) -> None:
        """Answer the texts of a burst, joined, as one turn."""
        texts = [str(text) for text, _ in self.session.pending]
        self.session.pending.clear()
        if texts:
            self.why.append(f"burst of {len(texts)} message(s) answered as one turn")
            self._said("，".join(t for t in texts if t.strip()))

    def _timer(self) -> None:
        data, timer = self.inbound.data, self.session.timer
        if timer is None or data.get("token") != timer.get("token"):
            self.why.append("a timer that was cancelled fired: ignored")
            return
        self.session.timer = None
        if data.get("kind") == "settle":
            if self._handed_over():
                self.session.pending.clear()
                return
            self._answer_pending()
            return
        flow = self.content.flows.get(self.session.flow)
        if flow is None:
            return
        step = self._step(None)
        if flow.fire(self.session.state, SILENCE, step):
            self._settle(step)

    # -- what the customer wrote -----------------------------------------------------------------
    def _said(self, text: str) -> None:
        self._understand_and_answer(text)
        flow = self.content.flows.get(self.session.flow)
        if flow is not None and self.session.timer is None:
            self._arm_silence(flow)  # still waiting in the same state: its silence rule counts from now

    def _understand_and_answer(self, text: str) -> None:
        session = self.session
        result = self.content.understanding.understand(text)
        self.why.append(f"understood: {result.decision} ({result.reason}); intents {result.intents}")
        if not result.normalized:
            self.say("empty")
            return
        if result.has_intent("opt_out"):
            session.opted_out = True
            self.why.append("opt_out: remembered for good")
            self._end_flow("opt-out")
            self.say("opt_out")
            return
        if result.has_intent("ask_human"):
            self._hand_over("the customer asked for a human")
            return
        flow = self.content.flows.get(session.flow)
        if flow is not None:
            step = self._step(result)
            if flow.fire(session.state, SAID, step):
                self._settle(step)
                return
        if self._start_by_intent(result):
            return
        if result.decision is Decision.ANSWER:
            for entry_id in result.answers:
                self._answer(entry_id)
            return
        if result.decision is Decision.CLARIFY:
            faq = self.content.understanding.faq_by_id
            first, second = (faq[e].questions[0] for e in result.answers[:2])
            self.say("clarify", first=first, second=second)
            return
        if flow is not None:
            step = self._step(result)
            if flow.fire(session.state, OTHERWISE, step):
                self._settle(step)
                return
        for smalltalk in ("greeting", "thanks"):
            if result.has_intent(smalltalk):
                self.say(smalltalk)
                return
        if flow is None and result.has_intent("cold"):
            self.why.append("a cold answer outside any flow: silence by design")
            return
        if flow is None and (result.has_intent("affirm") or result.has_intent("deny")):
            self.say("ack")
            return
        if result.near_miss:
            self.reply.near_miss = result
        self._not_understood(flow)

    def _not_understood(self, flow: CompiledFlow | None) -> None:
        session = self.session
        if flow is None or session.state not in flow.spec.states:
            self.say("fallback")
            return
        state = flow.spec.states[session.state]
        session.misses += 1
        reprompts = [*state.reprompt, "reprompt", "reprompt"][:2]  # always two tries, then fallback
        if session.misses <= len(reprompts):
            self.why.append(f"not understood ({session.misses}): reprompt")
            self.say(reprompts[session.misses - 1])
            return
        self.why.append("not understood again: fallback, never a loop")
        step = self._step(None)
        if state.fallback is not None and flow.fire(session.state, FALLBACK, step):
            self._settle(step)
            return
        self.say("fallback")
        self._end_flow("fallback")

    def _answer(self, entry_id: str) -> None:
        entry = self.content.understanding.faq_by_id[entry_id]
        if entry.answer_key:
            self.say(entry.answer_key)
        elif entry.answer:
            self.reply.messages.append(Outbound(text=entry.answer, label=f"faq:{entry_id}"))
        self.why.append(f"FAQ {entry_id} answered; the flow resumes where it was")

    def _hand_over(self, why: str) -> None:
        self.why.append(f"handover: {why}")
        self.say("handover")
        self.reply.handover = True
        self.session.handover_at = self.now
        self._end_flow("handover")

    # -- flows -----------------------------------------------------------------------------------
    def _step(self, result: Result | None) -> Step:
        return Step(session=self.session, result=result, apply=self._apply, enter=self._enter, why=self.why,
                    fired=self.session.fired)

    def _start_by_event(self, event: str) -> bool:
        return self._start_first(lambda rule: rule.event == event)

    def _start_by_intent(self, result: Result) -> bool:
        names = {name for name, _ in result.intents}
        return self._start_first(lambda rule: bool(rule.intent) and bool(names.intersection(rule.intent or ())),
                                 skip=self.session.flow)

    def _start_first(self, matches: Callable[[StartOn], bool], skip: str = "") -> bool:
        for name, flow in self.content.flows.items():
            if name == skip:
                continue
            for rule in flow.spec.start_on:
                if matches(rule) and holds(rule.when, self.session):
                    self.why.append(f"flow {name} starts (start_on {rule.model_dump(exclude_defaults=True)})")
                    self._apply(rule)
                    self._start(flow)
                    return True
        return False

    def _start(self, flow: CompiledFlow) -> None:
        self._cancel_timer()
        self.session.version = self.content.version
        step = self._step(None)
        flow.enter_start(step)
        self._settle(step)

    def _settle(self, step: Step) -> None:
        """Follow `next` moves and flow switches until the customer has to answer."""
        for _ in range(MAX_STEPS):
            if step.switch_flow is not None:
                target = self.content.flows[step.switch_flow]
                step.switch_flow, step.ended = None, False
                flow_step = self._step(None)
                target.enter_start(flow_step)
                step = flow_step
                continue
            if step.ended:
                self._end_flow("the flow ended")
                return
            flow = self.content.flows.get(self.session.flow)
            if flow is None:
                return
            state = flow.spec.states[self.session.state]
            if state.next:
                if not flow.fire(self.session.state, PROCEED, step):
                    break
                continue
            if state.handover:
                self._end_flow("handover")
                return
            if not state.on:
                self._end_flow(f"{flow.name}.{self.session.state} has no rules: the flow is done")
                return
            self._arm_silence(flow)
            return
        log.error("flow %s moved %d times in one turn; stopped", self.session.flow, MAX_STEPS)
        self._end_flow("too many moves in one turn")

    def _arm_silence(self, flow: CompiledFlow) -> None:
        rule = flow.silence.get(self.session.state)
        if rule is None or rule.silence is None:
            return
        self._cancel_timer()
        token = uuid.uuid4().hex[:16]
        self.session.timer = {"token": token, "kind": "silence"}
        self.reply.schedule.append((self.now + seconds(rule.silence), self._timer_data(token, "silence")))
        self.why.append(f"waiting: after {rule.silence} of silence {flow.name}.{self.session.state} moves on")

    def _end_flow(self, why: str) -> None:
        if self.session.flow:
            self.why.append(f"flow {self.session.flow} ends: {why}")
        self._cancel_timer()
        self.session.flow = self.session.state = ""
        self.session.misses = 0

    def _enter(self, flow: str, state: str) -> None:
        session = self.session
        session.flow, session.state, session.misses = flow, state, 0
        spec = self.content.flows[flow].spec.states[state]
        if spec.recommend:
            self._recommend()  # first: what she says may name the product
        self._apply(spec)
        if spec.card:
            self._product_card()
        if spec.handover:
            self._hand_over(f"{flow}.{state} hands over")
            session.flow, session.state = flow, state  # _settle ends it after any `next`

    def _apply(self, effects: Effects) -> None:
        slots = self.session.slots
        slots.update(effects.set)
        for name, amount in effects.add.items():
            current = slots.get(name, 0)
            slots[name] = (current if isinstance(current, int | float) else 0) + amount
        self.session.add_tags(effects.tag)
        self.session.remove_tags(effects.untag)
        for key in effects.say:
            self.say(key)

    def _recommend(self) -> None:
        """Choose the product that fits the customer's tags best; never one for an opted-out customer."""
        slots, session = self.session.slots, self.session
        slots["product"] = ""
        if session.opted_out:
            self.why.append("recommend: the customer opted out, no product")
            return
        offered = set(slots.get("offered") or [])
        best, best_fit = None, 0
        for product in self.content.understanding.knowledge.products:
            fit = len(set(product.fits) & set(session.tags))
            if fit > best_fit and product.id not in offered:
                best, best_fit = product, fit
        if best is None:
            self.why.append("recommend: no product fits the customer's tags")
            return
        slots["product"], slots["pitch"] = best.name, best.pitch
        slots["offered"] = [*offered, best.id]
        self.why.append(f"recommend: {best.id} fits {best_fit} tag(s)")

    # -- speaking --------------------------------------------------------------------------------
    def say(self, key: str, **extra: str) -> None:
        session = self.session
        variables: dict[str, Any] = {**session.slots, **extra}
        spoken = self.persona.say(key, seed=self.inbound.event_id, last=session.last_variant.get(key),
                                  channel=session.channel, hour=self.engine.hour(self.now), variables=variables)
        if spoken is None:
            log.error("persona %s has no message %r", self.persona.id, key)
            return
        session.last_variant[key] = spoken.index
        self.reply.messages.append(Outbound(text=spoken.text, label=spoken.key))

    def _product_card(self) -> None:
        if not self.session.slots.get("product"):
            return
        product_id = (self.session.slots.get("offered") or [""])[-1]
        for product in self.content.understanding.knowledge.products:
            if product.id == product_id and product.link:
                card = {"msgtype": "link", "title": product.link["title"], "url": product.link["url"],
                        "desc": product.link.get("desc", product.pitch)}
                self.reply.messages.append(Outbound(attachment=card, label=f"card:{product.id}"))


def _turn_to(turn: Turn) -> dict[str, Any]:
    return {"messages": [{"text": m.text, "attachment": m.attachment, "label": m.label} for m in turn.messages],
            "handover": turn.handover}


def _turn_from(data: dict[str, Any]) -> Turn:
    messages = [Outbound(text=m.get("text", ""), attachment=m.get("attachment"), label=m.get("label", ""))
                for m in data.get("messages", [])]
    return Turn(messages=messages, handover=bool(data.get("handover")))
