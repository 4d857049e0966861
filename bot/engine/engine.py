"""The engine: one customer turn = lock the customer, load the session and the profile, run the turn
(turn.py), save both.

Nothing about a customer stays in the process: the conversation's session and the customer's profile live
in the store. A turn is two store round trips: the customer's lock is taken and the session and the profile
are read in one call (`Store.lock_and_get`); everything the turn writes (session, profile, tag feed, policy
journal, timers, near miss) goes in one `Writes` batch applied with the unlock in one call
(`Store.commit_and_release`, atomic on Redis). The lock (`siyu:lock:customer:<customer>`) covers every
conversation the customer has and every other profile writer. Each event id is answered once: a redelivery
gets the same Turn and tells the same customer events again.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation import Inbound, InboundKind, Outbound, Turn
from bot.enforcement import blacklist
from bot.engine.content import Content
from bot.engine.library import Library
from bot.engine.milestones import milestones, pack, snapshot, unpack
from bot.engine.session import SESSION_TTL_MS, Session, Sessions
from bot.engine.turn import TurnRun
from bot.engine.turn_context import Reply, TurnContext
from bot.events import CustomerEvent, EventBus
from bot.policy.journal import Journal
from bot.profile.model import Profile
from bot.profile.store import PROFILE_TTL_MS, ProfileBusy, Profiles, Snapshot
from bot.retention.tags import customer_tag
from bot.retention.tombstone import forgotten_before, tombstone_key
from bot.store.base import Store, Writes
from bot.timers import TIMERS_KEY, Timers
from bot.understanding.matcher import Result

log = logging.getLogger(__name__)

NEAR_MISSES = "siyu:log:near_misses"


class Busy(ProfileBusy):
    """Another process holds this customer's lock for too long; the event is retried."""


class Engine:
    def __init__(
        self,
        library: Library,
        store: Store,
        *,
        clock: Callable[[], float] = time.time,
        timezone: str = "Asia/Shanghai",
        burst_window: float = 2.0,
        handover_timeout: float = 0.0,
        events: EventBus | None = None,
        session_ttl_ms: int = SESSION_TTL_MS,
        profile_ttl_ms: int = PROFILE_TTL_MS,
        keep_trace: bool = False,
    ) -> None:
        self.events = events or EventBus()
        self.library = library
        self.store = store
        self.sessions = Sessions(store, ttl_ms=session_ttl_ms, keep_trace=keep_trace)
        self.profiles = Profiles(store, ttl_ms=profile_ttl_ms)
        self.journal = Journal(store)
        self.timers = Timers(store)
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        self.burst_window = burst_window
        self.handover_timeout = handover_timeout

    # -- the Conversation interface --------------------------------------------------------------
    async def respond(self, key: str, inbound: Inbound) -> Turn:
        """Two store round trips: lock and load session, profile and blacklist record, then save everything
        and unlock."""
        customer = inbound.customer or key
        reads = [Sessions.key(key), Profiles.key(customer)]
        if inbound.customer:
            reads += [blacklist.key(inbound.customer), tombstone_key(inbound.customer)]
        held = await self.profiles.lock(customer, *reads, busy=Busy)
        session_raw, profile_raw, *customer_reads = held.values
        listed, forgotten = customer_reads if customer_reads else (None, None)
        if forgotten_before(forgotten, inbound.at or self.clock()):
            await self.profiles.release(held)  # she asked to be forgotten after this: nothing said, nothing kept
            return Turn()
        writes = Writes()
        try:
            session = Sessions.decode(session_raw, reads[0], writes)
            # the group blacklist (docs/groups.md): why nothing may be marketed to this customer, read in the
            # same round trip as the session; the restraint policy holds every recommendation back for it
            session.restrained = blacklist.restraint_of(listed, inbound.customer) or ""
            done = session.done_turn(inbound.event_id)
            if done is not None:  # a redelivery: the same turn, its events told again, nothing written
                turn, events = _turn_from(done), unpack(done)
            else:
                profile = Profiles.decode(profile_raw, customer, writes)
                turn, events = self._respond(key, customer, session, profile, inbound, writes)
        except BaseException:
            await self.profiles.release(held)  # the turn's own error is the one to report
            raise
        await self.store.commit_and_release(held.lock, held.owner, writes)
        await self.events.emit(events)  # outside the lock: listeners may take locks of their own
        return turn

    def _respond(self, key: str, customer: str, session: Session, profile: Profile, inbound: Inbound,
                 writes: Writes) -> tuple[Turn, list[CustomerEvent]]:
        before, was = Snapshot.of(profile), snapshot(profile)
        reply = Reply()
        self._turn(key, session, profile, inbound, reply)
        profile.remember(inbound.event_id)
        self.profiles.write(writes, profile, before)
        if reply.decisions:
            self.journal.add(writes, customer, [{**d.record(), "event": inbound.event_id} for d in reply.decisions])
        events = milestones(key, inbound, was, session, profile, reply, self.clock()) if self.events.active else []
        turn = Turn(messages=reply.messages, handover=reply.handover)
        for due, data in reply.schedule:
            assert session.timer is not None
            session.timer["member"] = Timers.member(data)
            writes.zadd(TIMERS_KEY, session.timer["member"], due)
        session.remember_turn(inbound.event_id, _turn_to(turn) | ({"events": pack(events)} if events else {}))
        writes.set(Sessions.key(key), self.sessions.encode(session), ttl_ms=self.sessions.ttl_ms)
        for member in reply.cancel:
            writes.zrem(TIMERS_KEY, member)
        unanswered = reply.unanswered
        if reply.near_miss is not None and all(reply.near_miss is not result for result in unanswered):
            writes.lpush_capped(NEAR_MISSES, self._near_miss_record(reply.near_miss, inbound.customer), 10_000)
        for result in unanswered:  # the fallback promised 记下来请同事确认
            writes.lpush_capped(NEAR_MISSES, self._near_miss_record(result, inbound.customer, unanswered=True), 10_000)
        if reply.confirmed is not None:
            asked, entry = reply.confirmed
            writes.lpush_capped(NEAR_MISSES, json.dumps({
                "at": round(self.clock(), 3), "customer": customer_tag(inbound.customer), "text": asked,
                "confirmed": entry}, ensure_ascii=False), 10_000)
        return turn, events

    async def reset(self, key: str) -> None:
        session = await self.sessions.load(key)
        if session.timer:
            await self.timers.cancel(session.timer.get("member", ""))
        await self.sessions.reset(key)

    def _near_miss_record(self, result: Result, customer: str, *, unanswered: bool = False) -> str:
        record: dict[str, object] = {
            "at": round(self.clock(), 3),
            "customer": customer_tag(customer),  # lets `siyu forget` find it; not the customer id
            "text": result.text[:200],
            "normalized": result.normalized[:200],
            "candidates": [[c.entry, round(c.score, 1), c.matched] for c in result.candidates[:3]],
        }
        if unanswered:
            record["fallback"] = True  # answered with the fallback: a colleague was promised to look
        return json.dumps(record, ensure_ascii=False)

    # -- one turn (synchronous: no await between reading and writing the session) ----------------
    def _turn(self, key: str, session: Session, profile: Profile, inbound: Inbound, reply: Reply) -> None:
        now = inbound.at or self.clock()
        session.trace, session.fired = [], []
        content = self._content_for(session)
        if not session.persona or session.persona not in content.personas:
            session.persona = content.persona_for(inbound.channel or session.channel).id
        if inbound.channel:
            session.channel = inbound.channel
        ctx = TurnContext(content=content, key=key, session=session, profile=profile, inbound=inbound, reply=reply,
                          now=now, hour=self.hour(now), why=list(session.trace),  # trace: a note from _content_for
                          today=datetime.fromtimestamp(now, self.zone).date())
        TurnRun(ctx, burst_window=self.burst_window, handover_timeout=self.handover_timeout).run()
        session.last_seen = max(session.last_seen, now)
        if not (inbound.kind is InboundKind.TEXT and session.pending) and inbound.kind is not InboundKind.RECALL:
            session.turns += 1  # a message waiting for its burst to end is not a turn: the burst's answer is

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
            session.trace = [f"{session.flow}.{session.state} 已不存在（内容改过了）：流程重新开始"]
            session.state = flow.spec.start if flow is not None else ""
            session.flow = session.flow if flow is not None else ""
        session.version = current.version
        return current

    def hour(self, at: float) -> int:
        return datetime.fromtimestamp(at, self.zone).hour


def _turn_to(turn: Turn) -> dict[str, Any]:
    return {"messages": [{"text": m.text, "attachment": m.attachment, "label": m.label} for m in turn.messages],
            "handover": turn.handover}


def _turn_from(data: dict[str, Any]) -> Turn:
    messages = [Outbound(text=m.get("text", ""), attachment=m.get("attachment"), label=m.get("label", ""))
                for m in data.get("messages", [])]
    return Turn(messages=messages, handover=bool(data.get("handover")))
