"""A customer talking to the engine without WeCom: for `siyu chat`, `siyu test` and the tests.

It drives the real engine on a store (the embedded one by default) with a clock it controls, and fires
durable timers when the clock passes them, exactly as the gateway's timer pump would.
"""

from __future__ import annotations

import time
from typing import Any

from bot.conversation import Inbound, InboundKind, Outbound
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.engine.session import Session
from bot.profile.model import Profile
from bot.store.base import Store
from bot.store.memory import MemoryStore


class Simulator:
    def __init__(self, library: Library, *, store: Store | None = None, customer: str = "wm_chat_customer",
                 channel: str = "", start: float | None = None, burst_window: float = 0.0) -> None:
        self.store = store or MemoryStore()
        self.now = time.time() if start is None else start
        self.engine = Engine(library, self.store, clock=lambda: self.now, burst_window=burst_window)
        self.customer = customer
        self.key = f"chat:{customer}"
        self.channel = channel
        self.sequence = 0
        self.events: list[str] = []  # every event id sent, in order

    def _inbound(self, kind: InboundKind, text: str = "", channel: str = "",
                 data: dict[str, str] | None = None) -> Inbound:
        self.sequence += 1
        self.events.append(f"sim/{self.customer}/{self.sequence}")
        return Inbound(event_id=self.events[-1], kind=kind, customer=self.customer,
                       text=text, channel=channel, at=self.now, data=data or {})

    async def send(self, kind: InboundKind, text: str = "", channel: str | None = None) -> list[Outbound]:
        inbound = self._inbound(kind, text, self.channel if channel is None else channel)
        turn = await self.engine.respond(self.key, inbound)
        return turn.messages

    async def say(self, text: str) -> list[Outbound]:
        messages = await self.send(InboundKind.TEXT, text)
        return messages + await self.wait(0)

    async def wait(self, seconds: float) -> list[Outbound]:
        """Move the clock on; every timer that falls due fires in order."""
        self.now += seconds
        messages: list[Outbound] = []
        while True:
            due = [(m, d) for m, d in await self.engine.timers.due(self.now) if d.get("conv") == self.key]
            if not due:
                return messages
            for member, data in due:
                await self.engine.timers.cancel(member)
                turn = await self.engine.respond(
                    self.key, self._inbound(InboundKind.TIMER, data={k: str(v) for k, v in data.items()}))
                messages.extend(turn.messages)

    async def session(self) -> Session:
        return await self.engine.sessions.load(self.key)

    async def profile(self) -> Profile:
        return await self.engine.profiles.load(self.customer)

    async def decisions(self, since: int = 0) -> list[dict[str, Any]]:
        """Decisions the policy made for the events sent since `since` (an index into self.events), oldest first."""
        events = set(self.events[since:])
        return [d for d in reversed(await self.engine.journal.read(self.customer)) if d.get("event") in events]

    async def reset(self) -> None:
        await self.engine.reset(self.key)
        await self.store.delete(self.engine.profiles.key(self.customer), self.engine.journal.key(self.customer))
