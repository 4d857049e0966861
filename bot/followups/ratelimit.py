"""WeCom's limit on app messages to one member: 30 a minute and 1,000 an hour. Excess is dropped by WeCom
without an error, so the limit is kept here, across processes, in the store.

WeCom does not say whether a minute is a clock minute or any 60 seconds; a sliding window is safe under
both (30 sent at 10:00:59 and 30 more at 10:01:00 would pass clock minutes and be dropped by a sliding
count). Each reservation is one member of a sorted set per member and window (`store.window_add`, which
also forgets entries older than the window); one over the limit is taken back at once.
"""

from __future__ import annotations

import uuid

from bot.store.base import Store

PER_MINUTE, PER_HOUR = 30, 1000
MINUTE_MS, HOUR_MS = 60_000, 3_600_000


class MemberRateLimit:
    def __init__(self, store: Store, *, per_minute: int = PER_MINUTE, per_hour: int = PER_HOUR) -> None:
        self.store = store
        self.per_minute = per_minute
        self.per_hour = per_hour

    @staticmethod
    def keys(member: str) -> tuple[str, str]:
        return f"siyu:rate:app:{member}:m", f"siyu:rate:app:{member}:h"

    async def take(self, member: str, now: float) -> float:
        """Reserve one message to `member` at `now`: 0 when allowed, else when to try again."""
        minute_key, hour_key = self.keys(member)
        at_ms, reservation = int(now * 1000), uuid.uuid4().hex
        in_minute = await self.store.window_add(minute_key, reservation, at_ms, MINUTE_MS)
        in_hour = await self.store.window_add(hour_key, reservation, at_ms, HOUR_MS)
        if in_minute <= self.per_minute and in_hour <= self.per_hour:
            return 0.0
        await self.store.zrem(minute_key, reservation)
        await self.store.zrem(hour_key, reservation)
        key, window_ms = (hour_key, HOUR_MS) if in_hour > self.per_hour else (minute_key, MINUTE_MS)
        oldest = await self.store.zdue(key, float("inf"), 1)
        return ((oldest[0][1] if oldest else at_ms) + window_ms) / 1000 + 0.001
