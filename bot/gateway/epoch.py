"""Noticing that the store has lost its data, and recovering from it.

Redis can come back empty: restarted without persistence, FLUSHDB, a failover to an empty replica. Every
process then sees an empty store, and without a sign of it would go on as if nothing happened (the
consumer groups are gone, so workers would fail forever). The sign is an epoch key: a random value written
once. Each process remembers the epoch it saw; when the key is gone or different, the store lost its data:
the process says so once (log, `siyu_store_data_loss_total`, /healthz), recreates the stream groups and
writes a new epoch (the first process to notice writes it, the others adopt it).

What is lost with the data is lost (sessions, timers, events queued but not yet processed); what matters
for not answering twice is handled where it lives: the kf pull records old messages instead of answering
them when the cursor is gone (kf_pull.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable

from bot.loops import pause
from bot.metrics import Metrics
from bot.store.base import Store

log = logging.getLogger(__name__)

EPOCH_KEY = "siyu:epoch"
DATA_LOSS_LOG = "siyu:log:data_loss"


class EpochWatch:
    def __init__(self, store: Store, recover: Callable[[], Awaitable[None]], metrics: Metrics, *,
                 clock: Callable[[], float] = time.time, interval_s: float = 1.0) -> None:
        self.store = store
        self.recover = recover
        self.metrics = metrics
        self.clock = clock
        self.interval_s = interval_s
        self.epoch: str | None = None
        self.losses = 0
        self.last_loss_at: float | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Adopt the store's epoch, or write the first one (a new store, or one emptied while we were away)."""
        current = await self.store.get(EPOCH_KEY)
        if current is None:
            current = await self._new_epoch()
            log.info("store epoch %s written (a new or emptied store)", current)
        self.epoch = current

    async def check(self) -> bool:
        """True when the store turned out to have lost its data (and has been recovered)."""
        async with self._lock:
            current = await self.store.get(EPOCH_KEY)
            if self.epoch is None:
                self.epoch = current or await self._new_epoch()
                return False
            if current == self.epoch:
                return False
            self.losses += 1
            self.last_loss_at = self.clock()
            self.metrics.data_loss.inc()
            log.error("the store has lost its data (epoch %s is %s): recreating the queue; sessions, timers and "
                      "queued events are gone, and kf messages older than the configured age are not answered",
                      self.epoch, "gone" if current is None else f"now {current}")
            await self.recover()
            self.epoch = current or await self._new_epoch()
            await self.store.lpush_capped(DATA_LOSS_LOG, json.dumps({"at": round(self.clock(), 3),
                                                                     "epoch": self.epoch}), 1000)
            return True

    async def _new_epoch(self) -> str:
        fresh = f"{int(self.clock())}-{uuid.uuid4().hex[:12]}"
        if await self.store.set(EPOCH_KEY, fresh, nx=True):
            return fresh
        return await self.store.get(EPOCH_KEY) or fresh

    async def run(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except self.store.unavailable as error:
                log.warning("epoch check skipped: the store does not answer (%s)", type(error).__name__)
            except Exception:
                log.exception("epoch check failed")
            await pause(self.interval_s)

    def status(self) -> str:
        if not self.losses or self.last_loss_at is None:
            return ""
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.last_loss_at))
        return f"the store lost its data {self.losses} time(s) since start, last at {when}"
