"""Durable processing: in order per conversation, reclaimed after a crash, finished once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from bot.gateway.deadletters import DeadLetters
from bot.gateway.queue import GROUP, PARTITIONS, Event, Queue, partition_of, stream_name
from bot.gateway.worker import Worker
from bot.metrics import Metrics
from bot.store.base import Store
from tests.gateway_kit import eventually

FAST = {"lease_ms": 600, "block_ms": 30, "retry_delay_s": 0.01}


async def test_in_order_per_conversation_and_parallel_across(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    seen: list[tuple[str, str]] = []
    running = 0
    peak = 0

    async def handle(event: Event) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        seen.append((event.conversation, event.data["n"]))
        running -= 1

    for n in range(5):
        for conv in ("a", "b", "c", "d"):
            await queue.put(f"{conv}{n}", "test", conv, {"n": str(n)})
    worker = Worker(queue, handle, Metrics(), **FAST)  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    await eventually(lambda: len(seen) == 20)
    await worker.stop()
    await task
    for conv in "abcd":
        assert [n for c, n in seen if c == conv] == ["0", "1", "2", "3", "4"]
    assert peak > 1
    assert await queue.depth() == 0


async def test_crashed_worker_event_is_reclaimed_and_finished_once(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    started = asyncio.Event()
    effects: list[str] = []

    async def stuck(event: Event) -> None:
        started.set()
        await asyncio.sleep(3600)  # the process dies here, mid-event

    async def finish(event: Event) -> None:
        effects.append(event.data["n"])

    await queue.put("k1", "test", "conv-1", {"n": "1"})
    crashed = Worker(queue, stuck, Metrics(), **FAST)  # type: ignore[arg-type]
    crashed_task = asyncio.create_task(crashed.run())
    await asyncio.wait_for(started.wait(), 5)
    # a hard crash: its tasks vanish, nothing is acknowledged, its leases simply expire
    for task in crashed._tasks.values():
        task.cancel()
    crashed._tasks.clear()
    crashed_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await crashed_task
    assert await queue.depth() == 1
    survivor = Worker(queue, finish, Metrics(), **FAST)  # type: ignore[arg-type]
    survivor_task = asyncio.create_task(survivor.run())
    await eventually(lambda: effects == ["1"], within=8)
    await asyncio.sleep(0.3)
    await survivor.stop()
    await survivor_task
    assert effects == ["1"]
    assert await queue.depth() == 0


async def test_two_workers_share_partitions(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    handled: dict[str, list[str]] = {"x": [], "y": []}
    workers = []
    for name in handled:

        async def handle(event: Event, name: str = name) -> None:
            handled[name].append(event.conversation)

        workers.append(Worker(queue, handle, Metrics(), **FAST))  # type: ignore[arg-type]
    tasks = [asyncio.create_task(w.run()) for w in workers]

    def shared() -> bool:
        owned = [set(w._tasks) - set(w._leaving) for w in workers]
        return not owned[0] & owned[1] and len(owned[0] | owned[1]) == PARTITIONS and all(owned)

    await eventually(shared, within=15)  # both register and rebalance, however busy the machine is
    for i in range(40):
        await queue.put(f"p{i}", "test", f"conv{i}", {})
    await eventually(lambda: sum(map(len, handled.values())) == 40)
    for w in workers:
        await w.stop()
    await asyncio.gather(*tasks)
    by_partition = {partition_of(c) for c in handled["x"]} & {partition_of(c) for c in handled["y"]}
    assert not by_partition


async def test_poison_event_is_dead_lettered_not_retried_forever(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    attempts = 0

    async def explode(event: Event) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("bug")

    await queue.put("poison", "test", "c", {})
    worker = Worker(queue, explode, Metrics(), **FAST)  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    await eventually(lambda: attempts == 4)
    await asyncio.sleep(0.1)
    await worker.stop()
    await task
    assert await queue.depth() == 0
    [(_, letter)] = await DeadLetters(store).list()
    assert letter.type == "event" and "RuntimeError: bug" in letter.error
    assert letter.fields["kind"] == "test" and letter.stream == stream_name(partition_of("c"))


async def test_a_dead_lettered_event_replays_under_its_own_identity(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    keys: list[str] = []
    broken = True

    async def handle(event: Event) -> None:
        keys.append(event.key)
        if broken:
            raise RuntimeError("bug")

    await queue.put("once", "test", "conv", {"n": "1"})
    worker = Worker(queue, handle, Metrics(), **FAST)  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    await eventually(lambda: len(keys) == 4)
    broken = False
    letters = DeadLetters(store)

    async def requeue(letter: object) -> None:
        from bot.gateway.deadletters import DeadLetter

        assert isinstance(letter, DeadLetter)
        await queue.requeue(letter.stream, letter.fields, letter.event)

    async def no_send(endpoint: str, payload: dict[str, object]) -> None:
        raise AssertionError("nothing to send")

    for _ in range(50):
        if await letters.list():
            break
        await asyncio.sleep(0.02)
    assert await letters.replay(no_send, requeue) == {"replayed": 1, "expired": 0, "failed": 0}
    await eventually(lambda: len(keys) == 5)
    await worker.stop()
    await task
    assert keys[-1] == keys[0]  # same identity: its replies keep their msgids
    assert await letters.list() == []


async def test_a_store_outage_is_waited_out_not_counted_as_failures(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    calls = 0

    async def flaky_store(event: Event) -> None:
        nonlocal calls
        calls += 1
        if calls <= 6:
            raise ConnectionError("store down")

    await queue.put("k", "test", "conv", {})
    worker = Worker(queue, flaky_store, Metrics(), **FAST, retry_max_s=0.02)  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    await eventually(lambda: calls == 7)
    await worker.stop()
    await task
    assert await DeadLetters(store).list() == []  # six failures, but none of them the event's fault
    assert await queue.depth() == 0


async def test_a_vanished_consumer_group_is_recreated(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    seen: list[str] = []

    async def handle(event: Event) -> None:
        seen.append(event.data["n"])

    worker = Worker(queue, handle, Metrics(), **FAST)  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    await queue.put("a", "test", "conv", {"n": "1"})
    await eventually(lambda: seen == ["1"])
    await store.delete(*[stream_name(p) for p in range(PARTITIONS)])  # as FLUSHDB leaves it
    await queue.put("b", "test", "conv", {"n": "2"})  # recreates the stream, not the group
    await eventually(lambda: seen == ["1", "2"], within=10)
    await worker.stop()
    await task
    assert await store.backlog(stream_name(partition_of("conv")), GROUP) == 0


def slow_handler() -> tuple[Callable[[Event], Awaitable[None]], asyncio.Event, list[str], list[str]]:
    """A handler that holds each event until released, noting which conversations started and finished."""
    release = asyncio.Event()
    started: list[str] = []
    finished: list[str] = []

    async def slow(event: Event) -> None:
        started.append(event.conversation)
        await release.wait()
        finished.append(event.conversation)

    return slow, release, started, finished


async def test_a_partition_handed_to_a_new_worker_finishes_its_batch_first(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    slow, release, started, finished = slow_handler()
    first = Worker(queue, slow, Metrics(), **FAST)  # type: ignore[arg-type]
    first_task = asyncio.create_task(first.run())
    await eventually(lambda: len(first._tasks) == PARTITIONS)
    await queue.put("slow", "test", "slow-conv", {})
    await eventually(lambda: started == ["slow-conv"])
    second = Worker(queue, slow, Metrics(), **FAST)  # type: ignore[arg-type]
    second_task = asyncio.create_task(second.run())
    await eventually(lambda: partition_of("slow-conv") in first._leaving or len(second._tasks) > 0)
    release.set()  # the batch in hand completes where it started, without being cut
    await eventually(lambda: len(second._tasks) == PARTITIONS // 2 and len(first._tasks) == PARTITIONS // 2)
    for worker in (first, second):
        await worker.stop()
    await asyncio.gather(first_task, second_task)
    assert started == ["slow-conv"] and finished == ["slow-conv"]


async def test_leases_lost_with_the_store_data_do_not_cut_the_batch_in_hand(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    slow, release, started, finished = slow_handler()
    worker = Worker(queue, slow, Metrics(), **FAST)  # type: ignore[arg-type]
    task = asyncio.create_task(worker.run())
    await eventually(lambda: len(worker._tasks) == PARTITIONS)
    await queue.put("slow", "test", "slow-conv", {})
    await eventually(lambda: started == ["slow-conv"])
    leases = [worker._lease(p) for p in range(PARTITIONS)]
    await store.delete(*leases)  # as FLUSHDB leaves them, with the reply of the event in hand already sent

    for _ in range(500):  # the worker notices at its next renewal and takes the leases again
        if all([await store.get(lease) == worker.id for lease in leases]):
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(FAST["lease_ms"] / 1000)  # a few renewals more, during which the batch must stay
    release.set()
    await eventually(lambda: finished == ["slow-conv"])
    await worker.stop()
    await task
    assert started == ["slow-conv"], "the event in hand was cut and handled a second time"
