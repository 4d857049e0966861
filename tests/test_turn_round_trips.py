"""An engine turn costs two store round trips (lock+load, save+unlock) and keeps its guarantees.

The lock-and-read and write-and-unlock primitives are checked on both backends, then the engine is run
through a store that counts calls: every store call is one round trip on Redis. The session and the
customer's profile are read in the first call and written in the second, under the one per-customer lock.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, cast

import pytest

from bot.conversation import Inbound, InboundKind
from bot.enforcement import blacklist
from bot.engine.engine import NEAR_MISSES, Busy, Engine
from bot.policy.journal import Journal
from bot.profile.store import STAFFED, TAGS_DIRTY, Profiles
from bot.store.base import Store, Writes
from bot.timers import TIMERS_KEY, Timers
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parent.parent
MORNING = 1_767_225_600.0 + 2 * 3600
LIBRARY = bundled_library()


# -- the primitives, on both backends -------------------------------------------------------------
async def test_lock_and_get_many_reads_every_key_in_the_same_step(store: Store) -> None:
    await store.set("session", "S1")
    await store.set("listed", "L")
    assert await store.lock_and_get_many("lock", "me", 60_000, ["session", "missing", "listed"]) == (
        True, ["S1", None, "L"])
    assert await store.lock_and_get_many("lock", "you", 60_000, ["session", "listed"]) == (False, [None, None])
    assert await store.lock_and_get_many("lock3", "me", 60_000, ["missing"]) == (True, [None])


async def test_commit_applies_every_write_then_releases_only_its_own_lock(store: Store) -> None:
    await store.zadd("z", "old", 5)
    await store.lpush_capped("l", "1", 2)
    await store.lpush_capped("l", "2", 2)
    assert (await store.lock_and_get("lock", "me", 60_000, "session"))[0]
    writes = Writes()
    writes.set("session", '{"n":"二"}', ttl_ms=60_000)
    writes.zadd("z", "new", 1_767_225_600.5)
    writes.zrem("z", "old")
    writes.lpush_capped("l", "3", 2)
    writes.set("plain", "x")
    writes.hset("h", "wm1", "1")
    writes.lpush_capped("journal", "d1", 10)
    writes.pexpire("journal", 60_000)
    assert await store.commit_and_release("lock", "me", writes) is True
    assert await store.get("session") == '{"n":"二"}'
    assert await store.zdue("z", 2e9, 10) == [("new", 1_767_225_600.5)]
    assert await store.lrange("l", 0, -1) == ["3", "2"]
    assert await store.get("plain") == "x"
    assert await store.hgetall("h") == {"wm1": "1"} and await store.lrange("journal", 0, -1) == ["d1"]
    assert await store.get("lock") is None

    alone = Writes()
    alone.hset("h", "wm2", "")
    alone.zrem("z", "new")
    await store.apply(alone)  # the same writes without a lease
    assert await store.hgetall("h") == {"wm1": "1", "wm2": ""} and await store.zdue("z", 2e9, 10) == []

    assert (await store.lock_and_get("lock", "other", 60_000, "session"))[0]
    late = Writes()
    late.set("session", "late")
    assert await store.commit_and_release("lock", "me", late) is False  # my lease was gone
    assert await store.get("lock") == "other" and await store.get("session") == "late"


async def test_a_session_write_keeps_its_ttl(store: Store) -> None:
    writes = Writes()
    writes.set("short", "v", ttl_ms=30)
    writes.lpush_capped("short list", "v", 10)
    writes.pexpire("short list", 30)
    await store.lock_and_get("lock", "me", 60_000, "short")
    await store.commit_and_release("lock", "me", writes)
    assert await store.get("short") == "v" and await store.lrange("short list", 0, -1) == ["v"]
    for _ in range(200):
        if await store.get("short") is None and not await store.lrange("short list", 0, -1):
            break
        await asyncio.sleep(0.01)
    assert await store.get("short") is None and await store.lrange("short list", 0, -1) == []


# -- the engine through a store that counts its calls --------------------------------------------
class CountingStore:
    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(name)
            return await method(*args, **kwargs)
        return counted


@pytest.fixture
def counting(store: Store) -> CountingStore:
    return CountingStore(store)


def engine_on(counting: CountingStore, burst_window: float = 0) -> Engine:
    return Engine(LIBRARY, cast(Store, counting), burst_window=burst_window, clock=lambda: MORNING)


async def turn(engine: Engine, counting: CountingStore, event: str, text: str,
               kind: InboundKind = InboundKind.TEXT) -> list[str]:
    counting.calls.clear()
    await engine.respond("kf:wk:wmRT", Inbound(event, kind, "wmRT", text=text, at=MORNING))
    return list(counting.calls)


async def test_every_kind_of_turn_costs_two_round_trips(counting: CountingStore, store: Store) -> None:
    engine = engine_on(counting)
    two = ["lock_and_get_many", "commit_and_release"]
    assert await turn(engine, counting, "e1", "", InboundKind.ENTER_SESSION) == two  # a flow starts
    assert (await engine.profiles.load("wmRT")).first_seen == MORNING  # the profile was written in it
    assert await turn(engine, counting, "e2", "包邮吗") == two  # an FAQ answer
    assert await turn(engine, counting, "e3", "除了这里还在哪卖") == two  # a near miss
    assert await turn(engine, counting, "e3", "除了这里还在哪卖") == two  # redelivered
    near = [json.loads(r) for r in await store.lrange(NEAR_MISSES, 0, -1)]
    assert len(near) == 1 and near[0]["candidates"]
    session = await engine.sessions.load("kf:wk:wmRT")
    assert session.turns == 3

    burst = engine_on(counting, burst_window=2.0)
    assert await turn(burst, counting, "e4", "你好") == two  # a settle timer is set
    assert len(await Timers(store).due(2e10)) == 1
    assert await turn(burst, counting, "e5", "在吗") == two  # the settle timer is replaced
    members = [m for m, _ in await store.zdue(TIMERS_KEY, 2e10, 10)]
    session = await engine.sessions.load("kf:wk:wmRT")
    assert session.timer is not None and members == [session.timer["member"]]  # the old timer was cancelled


async def test_a_turn_that_reads_and_changes_the_profile_costs_two_round_trips(counting: CountingStore,
                                                                               store: Store) -> None:
    engine = engine_on(counting)
    two = ["lock_and_get_many", "commit_and_release"]
    # need evidence, a pre-filled survey answer and its tag, the policy's decision, an offer
    assert await turn(engine, counting, "p1", "脸上爆痘了 急 有什么推荐") == two
    profile = await Profiles(store).load("wmRT")
    assert profile.tags == ["痘痘"] and profile.offers and {e[0] for e in profile.evidence} >= {"ask_done", "urgent", "pain"}
    assert [d["event"] for d in await Journal(store).read("wmRT")] == ["p1"]
    assert "wmRT" in [member for member, _ in await store.zdue(TAGS_DIRTY, 2e10, 10)]  # the tag feed
    # a turn that changes a fact the policy reads: the opt-out
    assert await turn(engine, counting, "p2", "别推了") == two
    assert (await Profiles(store).load("wmRT")).opted_out
    # a redelivered turn writes nothing: its evidence is not counted twice
    assert await turn(engine, counting, "p1", "脸上爆痘了 急 有什么推荐") == two
    assert len((await Profiles(store).load("wmRT")).evidence) == len(profile.evidence)


async def test_a_profile_edit_outside_a_turn_costs_two_round_trips_and_keeps_the_indexes(
        counting: CountingStore, store: Store) -> None:
    profiles = Profiles(cast(Store, counting))
    async with profiles.edit("wmE") as profile:
        profile.staff["emp1"] = []
        profile.add_tags(["油皮"])
    assert counting.calls == ["lock_and_get_many", "commit_and_release"]
    assert await store.hgetall(STAFFED) == {"wmE": "1"}
    assert [member for member, _ in await store.zdue(TAGS_DIRTY, 2e10, 10)] == ["wmE"]
    assert await store.get(Profiles.lock_key("wmE")) is None


async def test_the_group_blacklist_is_read_in_the_first_round_trip(counting: CountingStore, store: Store) -> None:
    engine = engine_on(counting)
    await blacklist.add(store, "wmRT", {"reason": "ads in 护肤日常1群"}, MORNING)
    assert await turn(engine, counting, "b1", "推荐一下") == ["lock_and_get_many", "commit_and_release"]
    assert (await engine.sessions.load("kf:wk:wmRT")).restrained == "blacklisted: ads in 护肤日常1群"
    await blacklist.remove(store, "wmRT")
    assert await turn(engine, counting, "b2", "包邮吗") == ["lock_and_get_many", "commit_and_release"]
    assert (await engine.sessions.load("kf:wk:wmRT")).restrained == ""  # lifted: read afresh every turn


async def test_one_turn_at_a_time_per_customer_across_their_conversations(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0, clock=lambda: MORNING)
    keys = ["kf:wk:wmC", "ext:emp1:wmC"]  # the kf chat and the contact share the customer's profile
    inbounds = [Inbound(f"c{n}", InboundKind.TEXT, "wmC", text="最近老是爆痘", at=MORNING) for n in range(8)]
    turns = await asyncio.gather(*(engine.respond(keys[n % 2], i) for n, i in enumerate(inbounds)))
    assert all(t.messages for t in turns)
    sessions = [await engine.sessions.load(key) for key in keys]
    assert [s.turns for s in sessions] == [4, 4]  # no turn overwrote another's session
    pains = [e for e in (await engine.profiles.load("wmC")).evidence if e[0] == "pain"]
    assert len(pains) == 8  # nor another's profile: every message's evidence is there
    assert await store.get("siyu:lock:customer:wmC") is None


async def test_a_held_lock_is_waited_for_and_a_failed_turn_unlocks(store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(LIBRARY, store, burst_window=0, clock=lambda: MORNING)
    lock = Profiles.lock_key("wmH")  # a tag sync or another conversation of the customer holds it
    await store.acquire(lock, "another-process", 60_000)
    waiting = asyncio.create_task(engine.respond("kf:wk:wmH", Inbound("h1", InboundKind.TEXT, "wmH", text="包邮吗")))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await store.release(lock, "another-process")
    assert (await waiting).messages

    def boom(*_: Any) -> None:
        raise RuntimeError("a bug in a turn")

    monkeypatch.setattr(engine, "_turn", boom)
    with pytest.raises(RuntimeError):
        await engine.respond("kf:wk:wmH", Inbound("h2", InboundKind.TEXT, "wmH", text="包邮吗"))
    assert await store.get(lock) is None  # the next event is not blocked


async def test_a_lock_held_too_long_is_busy_and_the_worker_waits(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0, clock=lambda: MORNING)
    engine.profiles.wait_s = 0.1
    await store.acquire(Profiles.lock_key("wmB"), "a-process-that-died", 60_000)
    with pytest.raises(Busy) as raised:
        await engine.respond("kf:wk:wmB", Inbound("b1", InboundKind.TEXT, "wmB", text="包邮吗"))
    from bot.conversation import ConversationBusy
    assert isinstance(raised.value, ConversationBusy)  # the worker waits it out instead of dead-lettering
