"""Workers: consume the partitioned queue in order per conversation, in parallel across them.

A worker holds leases on its fair share of partitions (renewed while it lives). On taking a partition it
first reclaims entries a crashed worker left unacknowledged, then reads new ones. An entry is acknowledged
only after its handler has finished every effect.

Leases are short (3 s, renewed every half second), so a crashed process's partitions move to a survivor or
a restarted process within about 3.5 s. A partition that moves because the share changed (a process joined
or is stopping) is handed over after its current batch, not in the middle of a send.

Failures that are not the event's fault (the store does not answer, WeCom is unavailable) are waited out
in place, without counting, so the conversation's order holds. A handler that keeps failing otherwise (a
bug) has its event dead-lettered with its whole entry, for `siyu deadletters --replay`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable

from bot.conversation import ConversationBusy
from bot.gateway.deadletters import DeadLetters
from bot.gateway.queue import GROUP, PARTITIONS, Event, Queue, decode, stream_name
from bot.gateway.sender import Backoff
from bot.metrics import Metrics
from bot.protocol.api import WeComError, is_transient
from bot.store.base import Entry, GroupMissing, Store

log = logging.getLogger(__name__)

WORKERS_KEY = "siyu:workers"
ATTEMPTS = 4
HANDOVER_WAIT_S = 10.0  # a partition being handed over waits this long for its batch, then is cut


class Worker:
    def __init__(
        self,
        queue: Queue,
        handle: Callable[[Event], Awaitable[None]],
        metrics: Metrics,
        *,
        dead_letters: DeadLetters | None = None,
        on_group_missing: Callable[[], Awaitable[None]] | None = None,
        lease_ms: int = 3_000,
        batch: int = 64,
        block_ms: int = 1000,
        retry_delay_s: float = 0.5,
        retry_max_s: float = 30.0,
    ) -> None:
        self.queue = queue
        self.store: Store = queue.store
        self.handle = handle
        self.metrics = metrics
        self.dead_letters = dead_letters or DeadLetters(queue.store)
        self.on_group_missing = on_group_missing
        self.id = f"w-{os.getpid()}-{uuid.uuid4().hex[:8]}"  # names the process, for operators
        self.lease_ms = lease_ms
        self.batch = batch
        self.block_ms = block_ms
        self.retry_delay_s = retry_delay_s
        self.retry_max_s = retry_max_s
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._leaving: dict[int, float] = {}  # partition -> when its hand-over started (monotonic)
        self._stopping = asyncio.Event()

    def _lease(self, partition: int) -> str:
        return f"siyu:part:{partition}:lease"

    async def run(self) -> None:
        with contextlib.suppress(Exception):
            await self.queue.setup()  # if the store is down now, the partitions recreate their groups later
        try:
            while not self._stopping.is_set():
                await self._balance()
                with contextlib.suppress(TimeoutError):  # renew well within the lease; take free ones soon
                    await asyncio.wait_for(self._stopping.wait(), self.lease_ms / 6000)
        finally:
            await self._release_all()

    async def stop(self) -> None:
        self._stopping.set()

    async def _fair_share(self) -> int:
        now = time.time()
        await self.store.hset(WORKERS_KEY, {self.id: f"{now:.3f}"})
        seen = await self.store.hgetall(WORKERS_KEY)
        alive = [w for w, beat in seen.items() if now - float(beat) < self.lease_ms / 1000]
        gone = [w for w, beat in seen.items() if now - float(beat) > 10 * self.lease_ms / 1000]
        if gone:
            await self.store.hdel(WORKERS_KEY, *gone)
        return math.ceil(PARTITIONS / max(1, len(alive)))

    async def _balance(self) -> None:
        try:
            share = await self._fair_share()
            for partition, task in list(self._tasks.items()):
                if task.done() or not await self._still_ours(partition):
                    await self._drop(partition)
            staying = [p for p in self._tasks if p not in self._leaving]
            for partition in staying[share:]:
                self._leaving[partition] = time.monotonic()  # the consumer stops after its batch
            for partition, since in list(self._leaving.items()):
                if partition in self._tasks and time.monotonic() - since > HANDOVER_WAIT_S:
                    await self._drop(partition)
            for partition in range(PARTITIONS):
                if len(self._tasks) - len(self._leaving) >= share:
                    break
                if partition not in self._tasks and await self.store.acquire(
                    self._lease(partition), self.id, self.lease_ms
                ):
                    self._tasks[partition] = asyncio.create_task(self._consume(partition))
        except self.store.unavailable as error:
            log.warning("worker could not renew its partitions: the store does not answer (%s)", type(error).__name__)
        except Exception:
            log.exception("worker could not balance partitions; retrying")

    async def _still_ours(self, partition: int) -> bool:
        """Renew the lease; a lease that is simply gone (the store lost its data) is taken again, because
        dropping the partition would cancel the batch in hand after its replies went out and have it
        claimed and answered a second time. Only a lease another worker holds makes us let go."""
        lease = self._lease(partition)
        if await self.store.renew(lease, self.id, self.lease_ms):
            return True
        return await self.store.acquire(lease, self.id, self.lease_ms)

    async def _drop(self, partition: int) -> None:
        task = self._tasks.pop(partition)
        self._leaving.pop(partition, None)
        for _ in range(25):  # a cancellation can be swallowed inside the Redis client: ask again
            task.cancel()
            await asyncio.wait({task}, timeout=0.2)
            if task.done():
                break
        with contextlib.suppress(Exception):
            await self.store.release(self._lease(partition), self.id)

    async def _release_all(self) -> None:
        running = [task for task in self._tasks.values() if not task.done()]
        if running:  # a graceful stop: let the batches in hand finish
            await asyncio.wait(running, timeout=HANDOVER_WAIT_S)
        for partition in list(self._tasks):
            await self._drop(partition)
        with contextlib.suppress(Exception):
            await self.store.hdel(WORKERS_KEY, self.id)

    def _should_stop(self, partition: int) -> bool:
        return self._stopping.is_set() or partition in self._leaving

    async def _consume(self, partition: int) -> None:
        stream = stream_name(partition)
        backoff = Backoff(self.retry_max_s)
        while not self._should_stop(partition):
            try:
                # We own the partition and nothing of it is in flight here, so any pending entry is an
                # orphan: left by a crashed owner, or delivered to a read that was cancelled. Those
                # come first, in stream order.
                entries = await self.store.claim_pending(stream, GROUP, self.id, self.batch)
                if not entries:
                    entries = await self.store.read_group(stream, GROUP, self.id, self.batch, self.block_ms)
            except asyncio.CancelledError:
                raise
            except GroupMissing:
                log.error("the queue's consumer group is gone: the store has lost its data; recreating it")
                await self._recover(stream)
                continue
            except self.store.unavailable as error:
                log.warning("reading the queue failed: the store does not answer (%s)", type(error).__name__)
                await asyncio.sleep(backoff.next())
                continue
            except Exception:
                log.exception("reading the queue failed")
                await asyncio.sleep(1)
                continue
            backoff = Backoff(self.retry_max_s)
            if entries:
                await self._process(stream, entries)

    async def _recover(self, stream: str) -> None:
        try:
            if self.on_group_missing is not None:
                await self.on_group_missing()
            else:
                await self.store.ensure_group(stream, GROUP)
        except Exception as error:
            log.warning("could not recreate the queue's consumer group yet (%s)", type(error).__name__)
            await asyncio.sleep(1)

    async def _process(self, stream: str, entries: list[Entry]) -> None:
        by_conversation: dict[str, list[Event]] = defaultdict(list)
        for entry in entries:
            try:
                event = decode(stream, entry)
            except ValueError as error:  # raised here, it killed the partition's task at every claim of it
                log.error("queue entry %s cannot be read (%s): dead-lettered whole", entry.id, error)
                await self._dead_letter(Event(entry.id, stream, entry.fields.get("kind", ""), "", {}, 0.0,
                                              fields=dict(entry.fields)), error)
                await self.store.ack(stream, GROUP, entry.id)
                continue
            by_conversation[event.conversation].append(event)
        # every conversation finishes (or fails) before the batch is left: none may run on while its
        # entries are claimed again
        results = await asyncio.gather(*(self._in_order(stream, events) for events in by_conversation.values()),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _in_order(self, stream: str, events: list[Event]) -> None:
        for event in events:
            started = time.perf_counter()
            outcome = await self._attempt(event)
            await self.store.ack(stream, GROUP, event.id)
            self.metrics.events.labels(event.kind, outcome).inc()
            self.metrics.processing.labels(event.kind).observe(time.perf_counter() - started)

    def _transient(self, error: Exception) -> bool:
        if isinstance(error, WeComError):
            return is_transient(error)
        return isinstance(error, (*self.store.unavailable, GroupMissing, ConversationBusy))

    async def _attempt(self, event: Event) -> str:
        failures = 0
        waiting = Backoff(self.retry_max_s)
        while True:
            try:
                await self.handle(event)
                return "ok"
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self._transient(error):
                    log.warning("an event waits: %s (%s)", _why_waiting(error), type(error).__name__)
                    await asyncio.sleep(waiting.next())
                    continue
                failures += 1
                if failures < ATTEMPTS:
                    log.warning("event %s (%s) failed (attempt %d): %r", event.id, event.kind, failures, error)
                    await asyncio.sleep(self.retry_delay_s * failures)
                    continue
                log.error("event %s (%s) failed %d times, dead-lettered: %r", event.id, event.kind, failures, error)
                await self._dead_letter(event, error)
                return "dead_letter"

    async def _dead_letter(self, event: Event, error: Exception) -> None:
        customer = event.data.get("external_userid") or event.data.get("ExternalUserID") or ""
        waiting = Backoff(self.retry_max_s)
        while True:
            try:
                await self.dead_letters.event_failed(event.stream, event.key, event.fields or {},
                                                     f"{type(error).__name__}: {error}", customer)
                return
            except self.store.unavailable:
                await asyncio.sleep(waiting.next())


def _why_waiting(error: Exception) -> str:
    if isinstance(error, WeComError):
        return "WeCom is unavailable"
    if isinstance(error, ConversationBusy):
        return "another process is in the middle of this conversation"
    return "the store does not answer"
