"""Workers: consume the partitioned queue in order per conversation, in parallel across them.

A worker holds leases on its fair share of partitions (renewed while it lives). On taking a
partition it first reclaims entries a crashed worker left unacknowledged, then reads new ones. An
entry is acknowledged only after its handler has finished every effect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable

from bot.gateway.queue import GROUP, PARTITIONS, Event, Queue, decode, stream_name
from bot.metrics import Metrics
from bot.store.base import Entry, Store

log = logging.getLogger(__name__)

WORKERS_KEY = "siyu:workers"
DEAD_LETTERS = "siyu:log:dead_letters"
ATTEMPTS = 4


class Worker:
    def __init__(
        self,
        queue: Queue,
        handle: Callable[[Event], Awaitable[None]],
        metrics: Metrics,
        *,
        lease_ms: int = 10_000,
        batch: int = 64,
        block_ms: int = 1000,
        retry_delay_s: float = 0.5,
    ) -> None:
        self.queue = queue
        self.store: Store = queue.store
        self.handle = handle
        self.metrics = metrics
        self.id = f"w-{uuid.uuid4().hex[:12]}"
        self.lease_ms = lease_ms
        self.batch = batch
        self.block_ms = block_ms
        self.retry_delay_s = retry_delay_s
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping = asyncio.Event()

    def _lease(self, partition: int) -> str:
        return f"siyu:part:{partition}:lease"

    async def run(self) -> None:
        await self.queue.setup()
        try:
            while not self._stopping.is_set():
                await self._balance()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.lease_ms / 3000)
        finally:
            await self._release_all()

    async def stop(self) -> None:
        self._stopping.set()

    async def _fair_share(self) -> int:
        now = time.time()
        await self.store.hset(WORKERS_KEY, {self.id: f"{now:.3f}"})
        seen = await self.store.hgetall(WORKERS_KEY)
        alive = [w for w, beat in seen.items() if now - float(beat) < 3 * self.lease_ms / 1000]
        return math.ceil(PARTITIONS / max(1, len(alive)))

    async def _balance(self) -> None:
        try:
            share = await self._fair_share()
            for partition, task in list(self._tasks.items()):
                if task.done() or not await self.store.renew(self._lease(partition), self.id, self.lease_ms):
                    await self._drop(partition)
            for partition in list(self._tasks)[share:]:
                await self._drop(partition)
            for partition in range(PARTITIONS):
                if len(self._tasks) >= share:
                    break
                if partition not in self._tasks and await self.store.acquire(
                    self._lease(partition), self.id, self.lease_ms
                ):
                    self._tasks[partition] = asyncio.create_task(self._consume(partition))
        except Exception:
            log.exception("worker could not balance partitions; retrying")

    async def _drop(self, partition: int) -> None:
        task = self._tasks.pop(partition)
        task.cancel()
        await asyncio.wait({task}, timeout=5)
        with contextlib.suppress(Exception):
            await self.store.release(self._lease(partition), self.id)

    async def _release_all(self) -> None:
        for partition in list(self._tasks):
            await self._drop(partition)

    async def _consume(self, partition: int) -> None:
        stream = stream_name(partition)
        while not self._stopping.is_set():
            try:
                # We own the partition and nothing of it is in flight here, so any pending entry is an
                # orphan: left by a crashed owner, or delivered to a read that was cancelled. Those
                # come first, in stream order.
                entries = await self.store.claim_pending(stream, GROUP, self.id, self.batch)
                if not entries:
                    entries = await self.store.read_group(stream, GROUP, self.id, self.batch, self.block_ms)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reading partition %d failed", partition)
                await asyncio.sleep(1)
                continue
            if entries:
                await self._process(stream, entries)

    async def _process(self, stream: str, entries: list[Entry]) -> None:
        by_conversation: dict[str, list[Event]] = defaultdict(list)
        for entry in entries:
            event = decode(stream, entry)
            by_conversation[event.conversation].append(event)
        await asyncio.gather(*(self._in_order(stream, events) for events in by_conversation.values()))

    async def _in_order(self, stream: str, events: list[Event]) -> None:
        for event in events:
            started = time.perf_counter()
            outcome = await self._attempt(event)
            await self.store.ack(stream, GROUP, event.id)
            self.metrics.events.labels(event.kind, outcome).inc()
            self.metrics.processing.labels(event.kind).observe(time.perf_counter() - started)

    async def _attempt(self, event: Event) -> str:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                await self.handle(event)
                return "ok"
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if attempt == ATTEMPTS:
                    log.error(
                        "event %s (%s) failed %d times, dead-lettered: %r",
                        event.id,
                        event.kind,
                        attempt,
                        error,
                    )
                    record = f"{event.kind} {event.id} {type(error).__name__}: {error}"[:500]
                    await self.store.lpush_capped(DEAD_LETTERS, record, 10_000)
                    return "dead_letter"
                log.warning("event %s (%s) failed (attempt %d): %r", event.id, event.kind, attempt, error)
                await asyncio.sleep(self.retry_delay_s * attempt)
        return "dead_letter"
