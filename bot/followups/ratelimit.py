"""WeCom's limit on app messages to one member: 30 a minute and 1,000 an hour. Excess is dropped by WeCom
without an error, so the limit is kept here, across processes, with counters in the store."""

from __future__ import annotations

from bot.store.base import Store

PER_MINUTE, PER_HOUR = 30, 1000


class MemberRateLimit:
    def __init__(self, store: Store, *, per_minute: int = PER_MINUTE, per_hour: int = PER_HOUR) -> None:
        self.store = store
        self.per_minute = per_minute
        self.per_hour = per_hour

    async def take(self, member: str, now: float) -> float:
        """Reserve one message to `member` at `now`: 0 when allowed, else when to try again."""
        minute, hour = int(now // 60), int(now // 3600)
        minute_key = f"siyu:rate:app:{member}:m:{minute}"
        hour_key = f"siyu:rate:app:{member}:h:{hour}"
        in_minute = await self.store.incr(minute_key, ttl_ms=120_000)
        in_hour = await self.store.incr(hour_key, ttl_ms=7_200_000)
        if in_minute <= self.per_minute and in_hour <= self.per_hour:
            return 0.0
        await self.store.incr(minute_key, -1)
        await self.store.incr(hour_key, -1)
        return (hour + 1) * 3600.0 if in_hour > self.per_hour else (minute + 1) * 60.0
