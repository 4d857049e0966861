"""One contract, two backends: the memory store must behave like Redis wherever the bot relies on it."""

from __future__ import annotations

import asyncio

import pytest

from bot.store.base import GroupMissing, Store


async def test_get_set_nx_and_ttl(store: Store) -> None:
    assert await store.get("k") is None
    assert await store.set("k", "v1")
    assert not await store.set("k", "v2", nx=True)
    assert await store.get("k") == "v1"
    assert await store.set("t", "x", ttl_ms=50)
    await asyncio.sleep(0.1)
    assert await store.get("t") is None
    assert await store.delete("k", "missing") == 1


async def test_incr_sets_ttl_only_on_create(store: Store) -> None:
    assert await store.incr("c", ttl_ms=400) == 1
    assert await store.incr("c", 2, ttl_ms=60_000) == 3  # the first TTL stays
    await asyncio.sleep(0.5)
    assert await store.incr("c") == 1


async def test_leases_are_owner_checked(store: Store) -> None:
    assert await store.acquire("lease", "a", 1000)
    assert not await store.acquire("lease", "b", 1000)
    assert not await store.renew("lease", "b", 1000)
    assert not await store.release("lease", "b")
    assert await store.renew("lease", "a", 1000)
    assert await store.release("lease", "a")
    assert await store.acquire("lease", "b", 50)
    await asyncio.sleep(0.1)
    assert await store.acquire("lease", "a", 1000)


async def test_hashes(store: Store) -> None:
    assert await store.hgetall("h") == {}
    await store.hset("h", {"a": "1", "b": "x"})
    assert await store.hincrby("h", "a", 2) == 3
    assert await store.hincrby("h", "new") == 1
    assert await store.hgetall("h") == {"a": "3", "b": "x", "new": "1"}
    await store.hset("e", {"a": "1"}, ttl_ms=50)
    await asyncio.sleep(0.1)
    assert await store.hgetall("e") == {}


async def test_sorted_set_due(store: Store) -> None:
    await store.zadd("z", "late", 30)
    await store.zadd("z", "early", 10)
    await store.zadd("z", "mid", 20)
    assert await store.zdue("z", 20, 10) == [("early", 10.0), ("mid", 20.0)]
    assert await store.zdue("z", 100, 1) == [("early", 10.0)]
    assert await store.zrem("z", "early")
    assert not await store.zrem("z", "early")
    assert await store.zdue("missing", 100, 10) == []


async def test_capped_list(store: Store) -> None:
    for i in range(5):
        await store.lpush_capped("l", str(i), 3)
    assert await store.lrange("l", 0, -1) == ["4", "3", "2"]
    assert await store.lrange("l", 0, 0) == ["4"]


async def test_enqueue_once_deduplicates_atomically(store: Store) -> None:
    await store.ensure_group("s", "g")
    first = await store.enqueue_once("seen:1", 60_000, "s", {"a": "1"})
    again = await store.enqueue_once("seen:1", 60_000, "s", {"a": "1"})
    assert first is not None and again is None
    assert await store.backlog("s", "g") == 1


async def test_stream_delivery_ack_and_claim(store: Store) -> None:
    await store.ensure_group("s", "g")
    await store.ensure_group("s", "g")  # idempotent
    for i in range(3):
        await store.enqueue_once(f"d{i}", 60_000, "s", {"n": str(i)})
    got = await store.read_group("s", "g", "worker-1", 2, 10)
    assert [e.fields["n"] for e in got] == ["0", "1"]
    assert await store.ack("s", "g", got[0].id) == 1
    # worker-1 "crashes" holding entry 1; worker-2 takes it over before reading new entries
    claimed = await store.claim_pending("s", "g", "worker-2", 10)
    assert [e.fields["n"] for e in claimed] == ["1"]
    rest = await store.read_group("s", "g", "worker-2", 10, 10)
    assert [e.fields["n"] for e in rest] == ["2"]
    assert await store.backlog("s", "g") == 2
    assert await store.ack("s", "g", claimed[0].id, rest[0].id) == 2
    assert await store.backlog("s", "g") == 0
    assert await store.read_group("s", "g", "worker-2", 10, 10) == []


async def test_read_group_blocks_until_an_entry_arrives(store: Store) -> None:
    await store.ensure_group("s", "g")

    async def later() -> None:
        await asyncio.sleep(0.05)
        await store.enqueue_once("late", 60_000, "s", {"n": "late"})

    task = asyncio.create_task(later())
    got = await store.read_group("s", "g", "w", 10, 2000)
    await task
    assert [e.fields["n"] for e in got] == ["late"]


async def test_memory_stream_stays_bounded() -> None:
    from bot.store.memory import MemoryStore

    mem = MemoryStore()
    await mem.ensure_group("s", "g")
    for i in range(3000):
        await mem.enqueue_once(f"k{i}", 60_000, "s", {"n": str(i)})
        for entry in await mem.read_group("s", "g", "w", 10, 0):
            await mem.ack("s", "g", entry.id)
    assert await mem.backlog("s", "g") == 0
    assert len(mem._streams["s"].entries) < 1100


async def test_scan_hdel_lrem_ltrim(store: Store) -> None:
    await store.set("siyu:session:kf:a:wm1", "x")
    await store.set("siyu:session:kf:b:wm1", "y")
    await store.set("siyu:session:kf:a:wm2", "z")
    await store.ensure_group("siyu:q:0", "g")
    assert sorted(await store.scan("siyu:session:*:wm1")) == ["siyu:session:kf:a:wm1", "siyu:session:kf:b:wm1"]
    assert await store.scan("siyu:q:*") == ["siyu:q:0"]
    await store.hset("h", {"a": "1", "b": "2"})
    assert await store.hdel("h", "a", "missing") == 1
    assert await store.hgetall("h") == {"b": "2"}
    for value in ["x", "y", "x", "z"]:
        await store.lpush_capped("l", value, 10)
    assert await store.lrem("l", "x") == 2
    assert await store.lrange("l", 0, -1) == ["z", "y"]
    await store.ltrim("l", 0, 0)
    assert await store.lrange("l", 0, -1) == ["z"]
    assert await store.lrem("missing", "x") == 0


async def test_missing_group_raises_group_missing(store: Store) -> None:
    with pytest.raises(GroupMissing):
        await store.read_group("nowhere", "g", "w", 10, 10)
    with pytest.raises(GroupMissing):
        await store.claim_pending("nowhere", "g", "w", 10)


async def test_xrange_and_xdel_acknowledge_what_they_delete(store: Store) -> None:
    await store.ensure_group("s", "g")
    ids = [await store.enqueue_once(f"x{i}", 60_000, "s", {"n": str(i)}) for i in range(4)]
    assert [e.fields["n"] for e in await store.xrange("s")] == ["0", "1", "2", "3"]
    assert [e.fields["n"] for e in await store.xrange("s", after=str(ids[1]), count=1)] == ["2"]
    delivered = await store.read_group("s", "g", "w", 2, 10)
    assert await store.xdel("s", delivered[0].id, str(ids[3])) == 2
    assert await store.backlog("s", "g") == 2  # entry 1 pending, entry 2 undelivered
    assert [e.fields["n"] for e in await store.claim_pending("s", "g", "w2", 10)] == ["1"]
    assert await store.xdel("missing", "1-0") == 0


async def test_trim_acked_keeps_what_is_not_yet_done(store: Store) -> None:
    await store.ensure_group("s", "g")
    for i in range(6):
        await store.enqueue_once(f"t{i}", 60_000, "s", {"n": str(i)})
    got = await store.read_group("s", "g", "w", 4, 10)  # 0-3 delivered, 4-5 not yet
    await store.ack("s", "g", got[0].id, got[1].id, got[3].id)  # 2 stays pending
    future_ms = 2**62
    assert await store.trim_acked("s", "g", future_ms) == 2  # 0 and 1; 3 is behind the pending 2
    assert [e.fields["n"] for e in await store.xrange("s")] == ["2", "3", "4", "5"]
    assert await store.trim_acked("s", "g", 0) == 0  # nothing is that old
    assert await store.trim_acked("missing", "g", future_ms) == 0


async def test_sliding_windows_count_what_is_inside_them(store: Store) -> None:
    assert await store.window_add("w", "a", 1_000, 500) == 1
    assert await store.window_add("w", "b", 1_200, 500) == 2
    assert await store.window_add("w", "a", 1_300, 500) == 2  # a member moves, it is not counted twice
    assert await store.window_add("w", "c", 1_700, 500) == 2  # b (1,200) has left the window
    assert await store.window_add("w", "d", 1_790, 500) == 3  # a at 1,300 is still inside
    assert await store.window_add("w", "e", 1_800, 500) == 3  # a at exactly 1,800 - 500 has left
    assert await store.window_add("other", "a", 1_800, 500) == 1


async def test_an_idle_window_expires(store: Store) -> None:
    assert await store.window_add("idle", "a", 1_000, 50) == 1
    await asyncio.sleep(0.12)
    assert await store.window_add("idle", "b", 1_000, 60_000) == 1
