"""A per-minute call budget shared by every process through the store.

WeCom counts calls per corp and per API per minute; every process that calls the same endpoint draws
from one counter per minute (`siyu:rl:<name>:<minute>`), and waits for the next minute when the budget
is spent. Time and sleeping are injected so that benchmarks and tests can run minutes in milliseconds.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

from bot.store.base import Store


class RateLimit:
    def __init__(self, store: Store, name: str, per_minute: int, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.store = store
        self.name = name
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self.waited_s = 0.0  # total time spent waiting for a new minute (reported by sync)

    async def acquire(self) -> None:
        while True:
            now = self.clock()
            minute = math.floor(now / 60)
            used = await self.store.incr(f"siyu:rl:{self.name}:{minute}", ttl_ms=120_000)
            if math.floor(self.clock() / 60) != minute:
                continue  # the minute turned while the store answered: count the call in the new one
            if used <= self.per_minute:
                return
            pause = (minute + 1) * 60 - self.clock() + 0.01  # read again: the store call took time
            if pause <= 0:
                continue
            self.waited_s += pause
            await self.sleep(pause)
