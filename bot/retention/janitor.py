"""The janitor: trims by age what is kept beyond its retention. One process at a time does the round.

- queue streams: entries acknowledged by the workers and older than the queue retention (they carry what
  customers wrote); entries not yet processed are kept whatever their age;
- operator logs and dead letters (lists, newest first, each record with its time `at`): records older
  than their retention. Sessions, profiles and per-customer records expire by TTL (set when they are
  written);
- customer groups dismissed longer ago than the session retention (their facts and counts).
The moderation audit and the group counters per day prune themselves (enforcement/audit.py, groups/stats.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable

from bot.engine.engine import NEAR_MISSES
from bot.gateway.deadletters import DEAD_LETTERS
from bot.gateway.queue import GROUP, PARTITIONS, stream_name
from bot.group_messages.msgaudit import UNDECRYPTABLE_LOG
from bot.groups.cleanup import drop_dismissed
from bot.loops import pause
from bot.retention.policy import Retention
from bot.store.base import Store
from bot.store.unreadable import UNREADABLE_LOG
from bot.tagsync.service import TAGSYNC_LOG

log = logging.getLogger(__name__)

LOGS = ("siyu:log:churn", "siyu:log:kf_send_fail", "siyu:log:unknown_callbacks", "siyu:log:kf_unanswered",
        "siyu:log:data_loss", TAGSYNC_LOG, UNDECRYPTABLE_LOG, UNREADABLE_LOG)
LEASE_KEY = "siyu:janitor"
CHUNK = 200


def _at(raw: str) -> float:
    try:
        return float(json.loads(raw).get("at") or 0)
    except (ValueError, AttributeError, TypeError):
        return 0.0  # a record without a time predates retention: it is old


class Janitor:
    def __init__(self, store: Store, retention: Retention, *, clock: Callable[[], float] = time.time,
                 interval_s: float = 60.0) -> None:
        self.store = store
        self.retention = retention
        self.clock = clock
        self.interval_s = interval_s
        self._owner = uuid.uuid4().hex

    def _ages(self) -> dict[str, float]:
        ages = {key: self.retention.logs_s for key in LOGS}
        ages[NEAR_MISSES] = self.retention.near_misses_s
        ages[DEAD_LETTERS] = self.retention.dead_letters_s
        return ages

    async def run_once(self) -> dict[str, int]:
        now = self.clock()
        trimmed: dict[str, int] = {}
        cutoff_ms = int((now - self.retention.queue_s) * 1000)
        queue = 0
        for partition in range(PARTITIONS):
            queue += await self.store.trim_acked(stream_name(partition), GROUP, cutoff_ms)
        trimmed["queue"] = queue
        for key, age in self._ages().items():
            trimmed[key] = await self.trim_log(key, now - age)
        trimmed["dismissed groups"] = await drop_dismissed(self.store, now - self.retention.sessions_s)
        return trimmed

    async def trim_log(self, key: str, cutoff: float) -> int:
        """Drop the records older than cutoff from the old end of a newest-first list."""
        removed = 0
        while True:
            tail = await self.store.lrange(key, -CHUNK, -1)
            old = 0
            for raw in reversed(tail):
                if _at(raw) >= cutoff:
                    break
                old += 1
            if not old:
                return removed
            await self.store.ltrim(key, 0, -old - 1)
            removed += old
            if old < len(tail):
                return removed

    async def run(self) -> None:
        while True:
            try:
                lease_ms = int(self.interval_s * 2000)
                mine = await self.store.renew(LEASE_KEY, self._owner, lease_ms) or await self.store.acquire(
                    LEASE_KEY, self._owner, lease_ms)
                if mine:
                    trimmed = await self.run_once()
                    if any(trimmed.values()):
                        log.info("retention: trimmed %s", ", ".join(f"{k} {v}" for k, v in trimmed.items() if v))
            except asyncio.CancelledError:
                raise
            except self.store.unavailable as error:
                log.warning("retention round skipped: the store does not answer (%s)", type(error).__name__)
            except Exception:
                log.exception("retention round failed")
            await pause(self.interval_s)
