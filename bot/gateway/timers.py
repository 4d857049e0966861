"""The timer pump: durable timers that fall due become queued events, in their conversation's order.

Every process runs one; they may race for the same timer, and the queue's dedup (by the timer's token)
lets exactly one event through.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.gateway.queue import Queue
from bot.loops import pause
from bot.timers import Timers

log = logging.getLogger(__name__)


class TimerPump:
    def __init__(self, timers: Timers, queue: Queue, clock: Callable[[], float], interval: float = 0.25, *,
                 kind: str = "timer") -> None:
        self.timers = timers
        self.kind = kind  # the queued events' kind (and their dedup keys' prefix)
        self.queue = queue
        self.clock = clock
        self.interval = interval

    async def pump_once(self) -> int:
        moved = 0
        for member, data in await self.timers.due(self.clock()):
            token, conversation = str(data.get("token", "")), str(data.get("conv", ""))
            if token and conversation:
                fields = {k: str(v) for k, v in data.items()}
                await self.queue.put(f"{self.kind}:{token}", self.kind, conversation, fields)
                moved += 1
            await self.timers.cancel(member)  # after the put: a crash in between re-puts, dedup drops it
        return moved

    async def run(self) -> None:
        while True:
            try:
                await self.pump_once()
            except asyncio.CancelledError:
                raise
            except self.queue.store.unavailable as error:
                log.warning("timer pump waits: the store does not answer (%s)", type(error).__name__)
            except Exception:
                log.exception("timer pump failed; retrying")
            await pause(self.interval)
