"""The moderation audit stream: every decision and every action, kept for the retention in content.

Records go to one list per day (`siyu:audit:<YYYYMMDD>`, China time, newest first); day lists older
than the retention are deleted as new days begin, so the stream holds `audit_retention_days` days at
most. Counters per day (`siyu:modstat:<YYYYMMDD>`) feed `siyu moderation stats`. Records hold at most
an excerpt of a customer's message, and none of it reaches the logs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from bot.store.base import Store

DAY_CAP = 200_000  # records kept per day at most (a flood of floods must not exhaust memory)
EXCERPT = 60


def day_of(at: float) -> str:
    return time.strftime("%Y%m%d", time.gmtime(at + 8 * 3600))


def audit_key(day: str) -> str:
    return f"siyu:audit:{day}"


def stats_key(day: str) -> str:
    return f"siyu:modstat:{day}"


def excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


class Audit:
    def __init__(self, store: Store, retention_days: Callable[[], int], clock: Callable[[], float] = time.time):
        self.store = store
        self.retention_days = retention_days
        self.clock = clock
        self._pruned_day = ""

    async def record(self, kind: str, **fields: Any) -> None:
        """One audit record, filed under the day the bot decided (its clock), not the message's day."""
        now = self.clock()
        entry = {"kind": kind, "at": round(now, 3), **fields}
        day = day_of(now)
        await self.store.lpush_capped(audit_key(day), json.dumps(entry, ensure_ascii=False, default=str), DAY_CAP)
        await self._prune(day)

    async def count(self, **counts: int) -> None:
        key = stats_key(day_of(self.clock()))
        for name, amount in counts.items():
            await self.store.hincrby(key, name, amount)

    async def _prune(self, today: str) -> None:
        if today == self._pruned_day:
            return
        self._pruned_day = today
        keep = self.retention_days()
        now = self.clock()
        # the days just past the retention: each is deleted on the first record of a new day
        stale = [day_of(now - (keep + back) * 86400) for back in range(0, 31)]
        await self.store.delete(*(audit_key(d) for d in stale), *(stats_key(d) for d in stale))

    async def read(self, *, days: int, limit: int, kinds: set[str] | None = None,
                   match: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Newest first, across the last `days` days."""
        found: list[dict[str, Any]] = []
        now = self.clock()
        for back in range(days):
            start = 0
            while len(found) < limit:
                chunk = await self.store.lrange(audit_key(day_of(now - back * 86400)), start, start + 499)
                if not chunk:
                    break
                start += len(chunk)
                for raw in chunk:
                    entry = json.loads(raw)
                    if (kinds is None or entry.get("kind") in kinds) and (match is None or match(entry)):
                        found.append(entry)
                        if len(found) >= limit:
                            return found
            if len(found) >= limit:
                break
        return found

    async def totals(self, days: int) -> dict[str, int]:
        merged: dict[str, int] = {}
        now = self.clock()
        for back in range(days):
            for name, value in (await self.store.hgetall(stats_key(day_of(now - back * 86400)))).items():
                merged[name] = merged.get(name, 0) + int(value)
        return merged
