"""Joins and leaves per group and per group type, and what each leave came after.

An incident (a moderation action, a flood, a staff broadcast) is remembered per group for the
attribution window; a leave within that window is counted against the latest incident before it
(`left_after_moderation`, `left_after_flood`, `left_after_broadcast`), else as `left_quietly`. Only
registry transitions are counted (see Registry's Diff), so a redelivered or reconciled change never
counts twice.

Per-type day counters (`siyu:gstat:t:<type>:<day>`) are kept as long as the moderation audit
(ladder.yaml `audit_retention_days`): the first count of a new day deletes the days that have just
passed it. Per-group counters live and go with their group (cleanup.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.groups.registry import EXTERNAL, Member
from bot.store.base import Store

INCIDENT_KINDS = ("moderation", "flood", "broadcast")
QUIT_REMOVED = 1  # QuitScene 1: removed by the owner or an admin
TYPES_SEEN = "siyu:gstat:types"


def _day(at: float) -> str:
    return time.strftime("%Y%m%d", time.gmtime(at + 8 * 3600))  # China time: days as operators count them


def group_stats_key(chat_id: str) -> str:
    return f"siyu:gstat:g:{chat_id}"


def type_stats_key(type_id: str, day: str) -> str:
    return f"siyu:gstat:t:{type_id}:{day}"


def incidents_key(chat_id: str) -> str:
    return f"siyu:grp:{chat_id}:incidents"


@dataclass(frozen=True)
class Leave:
    member: Member
    quit_scene: int | None  # None when a reconcile found the member gone (the scene is not known)
    cause: str  # an incident kind, or "quietly"


class GroupStats:
    def __init__(self, store: Store, attribution_s: float | Callable[[], float] = 1800,
                 retention_days: Callable[[], int] = lambda: 90) -> None:
        self.store = store
        self._attribution = attribution_s
        self.retention_days = retention_days
        self._pruned_day = ""

    @property
    def attribution_s(self) -> float:
        """The window, read on every use so that a content reload applies at once."""
        return float(self._attribution()) if callable(self._attribution) else float(self._attribution)

    async def incident(self, chat_id: str, kind: str, at: float, ref: str = "") -> None:
        record = json.dumps({"kind": kind, "ref": ref, "at": round(at, 3)}, separators=(",", ":"))
        key = incidents_key(chat_id)
        await self.store.zadd(key, record, at)
        for stale, _ in await self.store.zdue(key, at - self.attribution_s, 100):
            await self.store.zrem(key, stale)

    async def cause_of_leave(self, chat_id: str, at: float) -> str:
        latest: tuple[float, str] | None = None
        for raw, score in await self.store.zdue(incidents_key(chat_id), at, 1000):
            if score >= at - self.attribution_s and (latest is None or score >= latest[0]):
                latest = (score, json.loads(raw)["kind"])
        return latest[1] if latest else "quietly"

    async def joined(self, chat_id: str, type_id: str, members: list[Member], at: float) -> None:
        customers = [m for m in members if m.type == EXTERNAL]
        if not customers:
            return
        await self._count(chat_id, type_id, at, {"joins": len(customers)})
        for member in customers:
            await self._count(chat_id, type_id, at, {f"joins_scene_{member.join_scene}": 1})

    async def left(self, chat_id: str, type_id: str, members: list[Member], at: float,
                   quit_scenes: dict[str, int] | None = None) -> list[Leave]:
        leaves = []
        for member in members:
            if member.type != EXTERNAL:
                continue
            scene = (quit_scenes or {}).get(member.userid)
            cause = await self.cause_of_leave(chat_id, at)
            counts = {"leaves": 1, f"left_after_{cause}" if cause != "quietly" else "left_quietly": 1}
            if scene == QUIT_REMOVED:
                counts["removed"] = 1
            await self._count(chat_id, type_id, at, counts)
            leaves.append(Leave(member, scene, cause))
        return leaves

    async def _count(self, chat_id: str, type_id: str, at: float, counts: dict[str, int]) -> None:
        await self._prune(at)
        day_key = type_stats_key(type_id or "unknown", _day(at))
        for name, amount in counts.items():
            await self.store.hincrby(group_stats_key(chat_id), name, amount)
            await self.store.hincrby(day_key, name, amount)
        await self.store.hset(TYPES_SEEN, {type_id or "unknown": "1"})

    async def _prune(self, now: float) -> None:
        today = _day(now)
        if today == self._pruned_day:
            return
        self._pruned_day = today
        keep = self.retention_days()
        stale = [_day(now - (keep + back) * 86400) for back in range(31)]
        doomed = [type_stats_key(t, day) for t in await self.store.hgetall(TYPES_SEEN) for day in stale]
        if doomed:
            await self.store.delete(*doomed)

    async def for_group(self, chat_id: str) -> dict[str, int]:
        return {k: int(v) for k, v in (await self.store.hgetall(group_stats_key(chat_id))).items()}

    async def for_types(self, days: int, now: float) -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {}
        for type_id in await self.store.hgetall(TYPES_SEEN):
            merged: dict[str, int] = {}
            for back in range(days):
                raw = await self.store.hgetall(type_stats_key(type_id, _day(now - back * 86400)))
                for name, value in raw.items():
                    merged[name] = merged.get(name, 0) + int(value)
            totals[type_id] = merged
        return totals
