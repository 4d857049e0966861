"""A queue entry that cannot be read must not stop its partition (attack15).

Only siyu-bot writes the queue, but an entry whose `data` is not JSON, or not an object, or whose `at` is no
number (a hand edit, a replayed dead letter from another version, another tool on the same Redis db) made the
worker's batch raise while reading it: the partition's consumer task died, and each restart claimed the same
entry first and died again. Every conversation of that partition (one in sixteen) waited for good. Such an entry
is now dead-lettered whole and acknowledged; the partition goes on.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.gateway.deadletters import DeadLetters
from bot.gateway.queue import Event, Queue, partition_of, stream_name
from bot.gateway.worker import Worker
from bot.metrics import Metrics
from bot.store.base import Store
from tests.gateway_kit import eventually

FAST = {"lease_ms": 600, "block_ms": 30, "retry_delay_s": 0.01}


@pytest.mark.parametrize("fields", [{"kind": "test", "conv": "c", "data": "not json", "at": "1"},
                                    {"kind": "test", "conv": "c", "data": "[1, 2]", "at": "1"},
                                    {"kind": "test", "conv": "c", "data": "{}", "at": "soon"}])
async def test_an_unreadable_entry_is_dead_lettered_and_the_partition_goes_on(
        store: Store, fields: dict[str, str]) -> None:
    queue = Queue(store)
    await queue.setup()
    seen: list[str] = []

    async def handle(event: Event) -> None:
        seen.append(event.data["n"])

    stream = stream_name(partition_of("c"))
    await store.enqueue_once("siyu:seen:poison", 60_000, stream, fields)
    await queue.put("good", "test", "c", {"n": "1"})
    dead = DeadLetters(store)
    worker = Worker(queue, handle, Metrics(), dead_letters=dead, **FAST)  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    try:
        await eventually(lambda: seen == ["1"], within=5)
    finally:
        await worker.stop()
        await task
    assert await queue.depth() == 0
    assert len(await store.lrange("siyu:deadletters", 0, -1)) == 1
