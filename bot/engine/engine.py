"""The engine: one customer turn = lock the customer, load the session, run the turn (turn.py), save.

Nothing about a customer stays in the process: the session lives in the store, under a per-customer
lock taken before it is loaded, and each event id is answered once (a redelivery gets the same Turn).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation import ConversationBusy, Inbound, Outbound, Turn
from bot.enforcement import blacklist
from bot.engine.content import Content
from bot.engine.library import Library
from bot.engine.session import SESSION_TTL_MS, Session, Sessions
from bot.engine.turn import TurnRun
from bot.engine.turn_context import Reply, TurnContext
from bot.retention.tags import customer_tag
from bot.store.base import Store, Writes
from bot.timers import TIMERS_KEY, Timers
from bot.understanding.matcher import Result

log = logging.getLogger(__name__)

NEAR_MISSES = "siyu:log:near_misses"
LOCK_TTL_MS = 4_000  # a turn takes milliseconds; a process that dies mid-turn holds its customer up this long


class Busy(ConversationBusy):
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
        session_ttl_ms: int = SESSION_TTL_MS,
        keep_trace: bool = False,
    ) -> None:
        self.library = library
        self.store = store
        self.sessions = Sessions(store, ttl_ms=session_ttl_ms, keep_trace=keep_trace)
        self.timers = Timers(store)
        self.clock = clock
        self.zone = ZoneInfo(timezone)
        self.burst_window = burst_window

    # -- the Conversation interface --------------------------------------------------------------
    async def respond(self, key: str, inbound: Inbound) -> Turn:
        """Two store round trips: lock and load the session, then save everything and unlock."""
        lock, owner = f"siyu:lock:{key}", uuid.uuid4().hex
        raw, listed = await self._lock_and_load(key, lock, owner, inbound.customer)
        writes = Writes()
        try:
            session = Sessions.decode(raw)
            done = session.done_turn(inbound.event_id)  # a redelivered event: the same answer, nothing written
            # the group blacklist (docs/groups.md): why nothing may be marketed to this customer, read in
            # the same round trip as the session; recommendation and any proactive policy check it
            session.restrained = blacklist.restraint_of(listed) or ""
            turn = _turn_from(done) if done is not None else self._respond(key, session, inbound, writes)
        except BaseException:
            with contextlib.suppress(Exception):  # the turn's own error is the one to report
                await self.store.release(lock, owner)
            raise
        await self.store.commit_and_release(lock, owner, writes)
        return turn

    def _respond(self, key: str, session: Session, inbound: Inbound, writes: Writes) -> Turn:
        reply = Reply()
        self._turn(key, session, inbound, reply)
        turn = Turn(messages=reply.messages, handover=reply.handover)
        for due, data in reply.schedule:
            assert session.timer is not None
            session.timer["member"] = Timers.member(data)
            writes.zadd(TIMERS_KEY, session.timer["member"], due)
        session.remember_turn(inbound.event_id, _turn_to(turn))
        writes.set(Sessions.key(key), self.sessions.encode(session), ttl_ms=self.sessions.ttl_ms)
        for member in reply.cancel:
            writes.zrem(TIMERS_KEY, member)
        if reply.near_miss is not None:
            writes.lpush_capped(NEAR_MISSES, self._near_miss_record(reply.near_miss, inbound.customer), 10_000)
        return turn

    async def reset(self, key: str) -> None:
        session = await self.sessions.load(key)
        if session.timer:
            await self.timers.cancel(session.timer.get("member", ""))
        await self.sessions.reset(key)

    async def _lock_and_load(self, key: str, lock: str, owner: str, customer: str) -> tuple[str | None, str | None]:
        """The customer's lock (one turn at a time per customer, across processes), their session and
        their blacklist record, in one store call."""
        deadline = time.monotonic() + 10
        reads = [Sessions.key(key), blacklist.key(customer)] if customer else [Sessions.key(key)]
        while True:
            taken, values = await self.store.lock_and_get_many(lock, owner, LOCK_TTL_MS, reads)
            if taken:
                return values[0], values[1] if customer else None
            if time.monotonic() > deadline:
                raise Busy(f"customer lock {key} is held")
            await asyncio.sleep(0.02)

    def _near_miss_record(self, result: Result, customer: str) -> str:
        record = {
            "at": round(self.clock(), 3),
            "customer": customer_tag(customer),  # lets `siyu forget` find it; not the customer id
            "text": result.text[:200],
            "normalized": result.normalized[:200],
            "candidates": [[c.entry, round(c.score, 1), c.matched] for c in result.candidates[:3]],
        }
        return json.dumps(record, ensure_ascii=False)

    # -- one turn (synchronous: no await between reading and writing the session) ----------------
    def _turn(self, key: str, session: Session, inbound: Inbound, reply: Reply) -> None:
        now = inbound.at or self.clock()
        session.trace, session.fired = [], []
        content = self._content_for(session)
        if not session.persona or session.persona not in content.personas:
            session.persona = content.persona_for(inbound.channel or session.channel).id
        if inbound.channel:
            session.channel = inbound.channel
        ctx = TurnContext(content=content, key=key, session=session, inbound=inbound, reply=reply, now=now,
                          hour=self.hour(now), why=list(session.trace))  # trace: a note left by _content_for
        TurnRun(ctx, burst_window=self.burst_window).run()
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


def _turn_to(turn: Turn) -> dict[str, Any]:
    return {"messages": [{"text": m.text, "attachment": m.attachment, "label": m.label} for m in turn.messages],
            "handover": turn.handover}


def _turn_from(data: dict[str, Any]) -> Turn:
    messages = [Outbound(text=m.get("text", ""), attachment=m.get("attachment"), label=m.get("label", ""))
                for m in data.get("messages", [])]
    return Turn(messages=messages, handover=bool(data.get("handover")))
