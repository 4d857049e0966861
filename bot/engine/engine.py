"""The engine: one customer turn = lock the customer, load the session, run the turn (turn.py), save.

Nothing about a customer stays in the process: the session lives in the store, under a per-customer
lock taken before it is loaded, and each event id is answered once (a redelivery gets the same Turn).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation import Inbound, Outbound, Turn
from bot.engine.content import Content
from bot.engine.library import Library
from bot.engine.session import Session, Sessions
from bot.engine.turn import TurnRun
from bot.engine.turn_context import Reply, TurnContext
from bot.store.base import Store
from bot.timers import Timers
from bot.understanding.matcher import Result

log = logging.getLogger(__name__)

NEAR_MISSES = "siyu:log:near_misses"
LOCK_TTL_MS = 15_000


class Busy(RuntimeError):
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
            reply = Reply()
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
