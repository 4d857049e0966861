"""A session or profile in Redis that cannot be read as it is must not fail every turn of its customer (attack15b).

A truncated record, a field of the wrong type (an older version, a hand edit) raised in the turn: the worker
dead-lettered the message, and every later message of that customer the same way, for as long as the record
lived (90 days for sessions, 400 for profiles). A value that is not UTF-8 was worse: the lean connection's reader
raised inside the protocol, the connection was dropped with every batch on it, and the worker took the
ConnectionError for Redis being away: the partition waited for ever, holding up every customer queued behind.
Now the record is read as far as it can be, with one WARNING naming the key, and the bad value is kept in
`siyu:log:unreadable` for the operator (docs/operations.md).
"""

from __future__ import annotations

import json
import logging

import pytest
import redis.asyncio as aioredis

from bot.conversation import Inbound, InboundKind
from bot.engine.engine import Engine
from bot.gateway.queue import Queue
from bot.gateway.timers import TimerPump
from bot.retention.forget import forget
from bot.store.base import Store
from bot.store.redis import RedisStore
from bot.store.unreadable import UNREADABLE_LOG
from bot.timers import Timers
from tests.conftest import TEST_REDIS_URL
from tests.content_cache import bundled_library

LIBRARY = bundled_library()
MORNING = 1_767_225_600.0 + 2 * 3600
KEY = "kf:wk1:wmBroken"


def text(event_id: str, words: str, at: float = MORNING) -> Inbound:
    return Inbound(event_id, InboundKind.TEXT, "wmBroken", text=words, at=at)


async def kept(store: Store) -> list[dict[str, object]]:
    return [json.loads(item) for item in await store.lrange(UNREADABLE_LOG, 0, -1)]


@pytest.mark.parametrize("bad", ['{"flow": "survey", "state": "ask_sk', "[1, 2]", "null",
                                 '{"slots": "oily", "turns": "3", "done": {"e": 1}, "timer": 5, "misses": null}'])
async def test_an_unreadable_session_is_kept_and_the_customer_is_answered(
        store: Store, bad: str, caplog: pytest.LogCaptureFixture) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    await store.set(f"siyu:session:{KEY}", bad)
    with caplog.at_level(logging.WARNING, logger="bot.store.unreadable"):
        turn = await engine.respond(KEY, text("e1", "你好"))
    assert turn.messages
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.store.unreadable"]
    assert len(warnings) == 1 and "siyu:session:<tag " in warnings[0]
    assert "wmBroken" not in warnings[0]  # the serve log names no customer: the whole key is in the kept entry
    [entry] = await kept(store)
    assert entry["key"] == f"siyu:session:{KEY}" and entry["value"] == bad
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.store.unreadable"):
        assert (await engine.respond(KEY, text("e2", "有什么推荐", MORNING + 60))).messages
    assert not [r for r in caplog.records if r.name == "bot.store.unreadable"]  # the record is whole again


async def test_a_truncated_profile_starts_fresh_but_keeps_the_opt_out(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    await engine.respond(KEY, text("e1", "别推了"))
    raw = await store.get("siyu:profile:wmBroken")
    assert raw is not None and '"opted_out_at"' in raw
    await store.set("siyu:profile:wmBroken", raw[: raw.index('"opted_out_at"') + 40])  # cut after the opt-out
    assert (await engine.respond(KEY, text("e2", "你好", MORNING + 60))).messages
    profile = await engine.profiles.load("wmBroken")
    assert profile.opted_out and profile.customer == "wmBroken"
    assert [e["key"] for e in await kept(store)] == ["siyu:profile:wmBroken"]


async def test_a_profile_field_of_the_wrong_type_takes_its_default(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    await store.set("siyu:profile:wmBroken", json.dumps({"customer": "wmBroken", "tags": "油皮", "opted_out_at": 5.0,
                                                         "evidence": None, "sessions": "2"}))
    assert (await engine.respond(KEY, text("e1", "你好"))).messages
    profile = await engine.profiles.load("wmBroken")
    assert profile.opted_out and isinstance(profile.tags, list)
    [entry] = await kept(store)
    assert "evidence, sessions, tags" in str(entry["why"])


async def test_a_value_that_is_not_utf8_neither_fails_the_turn_nor_drops_the_connection(
        redis_store: RedisStore) -> None:
    raw = aioredis.Redis.from_url(TEST_REDIS_URL)
    try:
        await raw.set(f"siyu:session:{KEY}", b'{"flow": "", "persona": "\xff\xfe"}')
        await raw.set("siyu:profile:wmOther", b"\xc3\x28")
    finally:
        await raw.aclose()
    engine = Engine(LIBRARY, redis_store, burst_window=0)
    assert (await engine.respond(KEY, text("e1", "你好"))).messages
    other = Inbound("o1", InboundKind.TEXT, "wmOther", text="你好", at=MORNING)
    assert (await engine.respond("kf:wk1:wmOther", other)).messages
    # the session is JSON once its bad bytes read as U+FFFD: used, not reported (it would be on every turn after)
    assert {e["key"] for e in await kept(redis_store)} == {"siyu:profile:wmOther"}
    assert await redis_store.get(f"siyu:session:{KEY}") is not None
    assert (await engine.respond(KEY, text("e2", "在吗"))).messages
    assert {e["key"] for e in await kept(redis_store)} == {"siyu:profile:wmOther"}  # not once more per turn


async def test_a_timer_that_cannot_fire_is_kept_for_the_operator_and_the_rest_fire(
        store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """Such a timer was cancelled without a word: a check-in that never came could not be traced."""
    queue = Queue(store)
    await queue.setup()
    timers = Timers(store)
    for poison in ('["settle"]', '{"kind": "settle", "customer": "wm"}'):  # no object; an older version's
        await store.zadd("siyu:timers", poison, 1.0)
    await timers.schedule(2.0, {"conv": "kf:wk:wm", "customer": "wm", "token": "t1", "kind": "settle"})
    with caplog.at_level(logging.WARNING, logger="bot.store.unreadable"):
        assert await TimerPump(timers, queue, clock=lambda: 100.0).pump_once() == 1
    assert [e["value"] for e in await kept(store)] == ['{"kind": "settle", "customer": "wm"}', '["settle"]']
    assert len([r for r in caplog.records if "siyu:timers" in r.getMessage()]) == 2
    assert await timers.due(100.0) == []


async def test_a_kept_value_goes_with_siyu_forget(store: Store) -> None:
    """The kept value may hold what she wrote (a session's pending texts): erasing her erases it too."""
    engine = Engine(LIBRARY, store, burst_window=0)
    await store.set(f"siyu:session:{KEY}", '{"pending": [["我的手机号是')
    await engine.respond(KEY, text("e1", "你好"))
    assert len(await kept(store)) == 1
    await forget(store, "wmBroken")
    assert await kept(store) == []


async def test_a_kept_timer_naming_her_only_by_its_conversation_is_found_by_forget(store: Store) -> None:
    """A timer kept for the operator names her by `conv` (kf:<kfid>:<customer>) only: `siyu forget` left it (review15)."""
    queue = Queue(store)
    await queue.setup()
    await store.zadd("siyu:timers", '{"kind": "settle", "conv": "kf:wk:wmGone"}', 1.0)  # no token: cannot fire
    await TimerPump(Timers(store), queue, clock=lambda: 100.0).pump_once()
    assert len(await kept(store)) == 1
    await forget(store, "wmGone")
    assert await kept(store) == []
