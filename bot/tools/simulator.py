"""A customer talking to the engine without WeCom: for `siyu chat`, `siyu test` and the tests.

It drives the real engine on a store (the embedded one by default) with a clock it controls, and fires
durable timers when the clock passes them, exactly as the gateway's timer pump would.
"""

from __future__ import annotations

import time

from bot.conversation import Inbound, InboundKind, Outbound
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.engine.session import Session
from bot.store.base import Store
from bot.store.memory import MemoryStore


class Simulator:
    def __init__(self, library: Library, *, store: Store | None = None, customer: str = "wm_chat_customer",
                 channel: str = "", start: float | None = None, burst_window: float = 0.0) -> None:
        self.store = store or MemoryStore()
        self.now = time.time() if start is None else start
        self.engine = Engine(library, self.store, clock=lambda: self.now, burst_window=burst_window,
                             keep_trace=True)
        self.customer = customer
        self.key = f"chat:{customer}"
        self.channel = channel
        self.sequence = 0

    def _inbound(self, kind: InboundKind, text: str = "", channel: str = "",
                 data: dict[str, str] | None = None) -> Inbound:
        self.sequence += 1
        return Inbound(event_id=f"sim/{self.customer}/{self.sequence}", kind=kind, customer=self.customer,
                       text=text, channel=channel, at=self.now, data=data or {})

    async def send(self, kind: InboundKind, text: str = "", channel: str | None = None) -> list[Outbound]:
        inbound = self._inbound(kind, text, self.channel if channel is None else channel)
        turn = await self.engine.respond(self.key, inbound)
        return turn.messages

    async def say(self, text: str) -> list[Outbound]:
        messages = await self.send(InboundKind.TEXT, text)
        return messages + await self.wait(0)

    async def burst(self, texts: list[str], window: float = 2.0, gap: float = 0.5) -> list[Outbound]:
        """Several messages typed within the burst window, `gap` seconds apart: answered once, as the
        kf path answers them (the engine waits for the burst to settle)."""
        kept = self.engine.burst_window
        self.engine.burst_window = window
        try:
            messages: list[Outbound] = []
            for number, text in enumerate(texts):
                if number:
                    messages += await self.wait(gap)
                messages += await self.send(InboundKind.TEXT, text)
            return messages + await self.wait(window)
        finally:
            self.engine.burst_window = kept

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

    async def reset(self) -> None:
        await self.engine.reset(self.key)
