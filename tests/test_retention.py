"""Retention and privacy: what is trimmed by age, what a customer's text is kept for, and `siyu forget`."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import APP_SERVICES, build_app
from bot.enforcement import blacklist
from bot.engine.engine import NEAR_MISSES
from bot.engine.session import Session
from bot.followups.record import DUE_KEY
from bot.gateway.deadletters import DEAD_LETTERS, DeadLetters
from bot.gateway.queue import GROUP, Queue, partition_of, stream_name
from bot.group_messages.msgaudit import UNDECRYPTABLE_LOG
from bot.group_messages.observed import QueueSink
from bot.groups.registry import Member
from bot.groups.stats import GroupStats
from bot.moderation.activity import flood_key, repeat_key
from bot.policy.journal import Journal
from bot.profile.store import STAFFED, TAGS_DIRTY, Profiles
from bot.retention.forget import forget
from bot.retention.janitor import Janitor
from bot.retention.policy import Retention
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.redis import RedisStore
from bot.tagsync.service import ATTEMPTS, TAGSYNC_LOG
from bot.wiring import make_conversation_factory
from tests.fake_wecom import FakeWeCom
from tests.fault_kit import redis_values
from tests.gateway_kit import eventually, settings
from tests.groups_kit import group_stack, moderation_stack, said
from tests.wecom import callback, event

ROOT = Path(__file__).resolve().parent.parent
FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}
HOUR = 3600.0


async def test_the_janitor_trims_acknowledged_queue_entries_by_age_and_keeps_the_rest(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    for n in range(6):
        await queue.put(f"j{n}", "test", "conv", {"text": f"customer words {n}"})
    stream = stream_name(partition_of("conv"))
    delivered = await store.read_group(stream, GROUP, "w", 4, 10)  # 0-3 delivered, 4-5 waiting
    await store.ack(stream, GROUP, *(entry.id for entry in delivered[:3]))  # 3 stays pending
    now = time.time()
    assert (await Janitor(store, Retention(queue_s=HOUR), clock=lambda: now).run_once())["queue"] == 0
    later = Janitor(store, Retention(queue_s=HOUR), clock=lambda: now + 2 * HOUR)
    assert (await later.run_once())["queue"] == 3
    left = [json.loads(e.fields["data"])["text"] for e in await store.xrange(stream)]
    assert left == ["customer words 3", "customer words 4", "customer words 5"]
    assert await store.backlog(stream, GROUP) == 3


async def test_the_janitor_trims_logs_and_dead_letters_each_by_its_own_age(store: Store) -> None:
    now = time.time()
    for age_days in (40, 20, 1):
        record = {"at": now - age_days * 86400, "text": f"{age_days} days"}
        await store.lpush_capped(NEAR_MISSES, json.dumps(record), 100)
        await store.lpush_capped("siyu:log:churn", json.dumps(record), 100)
        await store.lpush_capped(DEAD_LETTERS, json.dumps(record), 100)
    await store.lpush_capped("siyu:log:unknown_callbacks", "MsgType=event (a record from before retention)", 100)
    retention = Retention(near_misses_s=30 * 86400, logs_s=7 * 86400, dead_letters_s=25 * 86400)
    trimmed = await Janitor(store, retention, clock=lambda: now).run_once()
    assert trimmed[NEAR_MISSES] == 1 and trimmed["siyu:log:churn"] == 2 and trimmed[DEAD_LETTERS] == 1
    assert [json.loads(r)["text"] for r in await store.lrange(NEAR_MISSES, 0, -1)] == ["1 days", "20 days"]
    assert [json.loads(r)["text"] for r in await store.lrange("siyu:log:churn", 0, -1)] == ["1 days"]
    assert await store.lrange("siyu:log:unknown_callbacks", 0, -1) == []


async def test_trimming_a_long_log_goes_past_one_chunk(store: Store) -> None:
    now = time.time()
    for n in range(450):
        await store.lpush_capped("siyu:log:churn", json.dumps({"at": now - 10 * 86400 + n}), 1000)
    for n in range(5):
        await store.lpush_capped("siyu:log:churn", json.dumps({"at": now - n}), 1000)
    removed = await Janitor(store, Retention(logs_s=86400), clock=lambda: now).trim_log("siyu:log:churn", now - 86400)
    assert removed == 450 and len(await store.lrange("siyu:log:churn", 0, -1)) == 5


def test_production_sessions_keep_no_trace_of_what_the_customer_wrote() -> None:
    session = Session(trace=["understood: 退款什么时候到账"], fired=["survey.skin.on[0]"])
    assert "退款" not in session.to_json(keep_trace=False) and '"fired"' not in session.to_json(keep_trace=False)
    assert "退款" in session.to_json(keep_trace=True)  # siyu chat /debug and siyu test run with the trace


async def _everything(store: Store) -> str:
    if isinstance(store, RedisStore):
        return repr(await redis_values(store._redis))
    assert isinstance(store, MemoryStore)
    return repr(store._data) + repr({name: stream.entries for name, stream in store._streams.items()})


@pytest.fixture
async def client(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    factory = make_conversation_factory(ROOT, burst_window=0, hot_reload=False)
    return await aiohttp_client(build_app(settings(fake.base_url), factory, store=store, worker_options=FAST))


async def _notify(client: TestClient, token: str) -> None:
    query, body = callback(event("kf_msg_or_event", Token=token, OpenKfId="wk1"))
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200


async def test_forget_erases_one_customer_everywhere_and_nobody_else(
        client: TestClient, fake: FakeWeCom, store: Store) -> None:
    fake.add_kf_message("wk1", "wmGone", "包邮吗")
    fake.add_kf_message("wk1", "wmGone", "除了这里还在哪卖")  # a near miss: the question is kept for operators
    fake.add_kf_message("wk1", "wmStay", "包邮吗")
    await _notify(client, "F1")
    await eventually(lambda: len(fake.delivered) == 3, within=15)
    fake.fail("kf/send_msg", 48002)  # the next reply to wmGone ends in the dead letters, with its payload
    fake.add_kf_message("wk1", "wmGone", "包邮吗")
    await _notify(client, "F2")
    letters = DeadLetters(store)
    for _ in range(300):
        if await letters.list():
            break
        await _sleep()
    query, body = callback(event("change_external_contact", ChangeType="del_follow_user", UserID="emp1",
                                 ExternalUserID="wmGone"))
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200
    for _ in range(300):
        if await store.lrange("siyu:log:churn", 0, -1):
            break
        await _sleep()
    fake.add_kf_message("wk1", "wmGone", "脸上爆痘了 急 有什么推荐")  # the profile: evidence, a tag, an offer
    await _notify(client, "F3")
    for _ in range(300):
        if (await Profiles(store).load("wmGone")).offers and await Journal(store).read("wmGone"):
            break
        await _sleep()
    assert "wmGone" in [member for member, _ in await store.zdue(TAGS_DIRTY, 2e10, 100)]
    # what the tag sync and the follow-ups keep about a customer with a staff relation
    await store.hset(STAFFED, {"wmGone": "1", "wmStay": "1"})
    await store.hset(ATTEMPTS, {"wmGone": "2"})
    await store.lpush_capped(TAGSYNC_LOG, json.dumps({"at": time.time(), "customer": "wmGone", "what": "x"}), 10)
    await store.zadd(DUE_KEY, f"wmGone|{time.time() + 86400:.0f}", time.time() + 86400)
    await store.hset("siyu:outbox:fu:wmGone:seeds:care:1:0", {"task": "sent"})
    await client.app[APP_SERVICES].queue.put("late", "kf_message", "kf:wk1:wmGone",
                                             {"external_userid": "wmGone", "content": "还有一句话"})
    await store.lpush_capped("siyu:log:kf_unanswered", json.dumps({"at": time.time(), "external_userid": "wmGone"}),
                             10)
    before = await _everything(store)
    assert "wmGone" in before and "除了这里还在哪卖" in before and await store.lrange(NEAR_MISSES, 0, -1)

    counts = await forget(store, "wmGone")

    after = await _everything(store)
    assert "wmGone" not in after, after
    assert "除了这里还在哪卖" not in after and "还有一句话" not in after
    assert "wmStay" in after  # the other customer's session and queue entries are untouched
    assert (await Profiles(store).load("wmStay")).last_seen and await store.hgetall(STAFFED) == {"wmStay": "1"}
    assert counts["keys"] >= 2 and counts["log records"] >= 4 and counts["queued events"] >= 3


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.02)


async def test_siyu_forget_command(redis_store: RedisStore) -> None:
    import asyncio
    import os
    import sys

    from tests.conftest import TEST_REDIS_URL

    await redis_store.set("siyu:session:kf:wk1:wmCli", "{}")
    await redis_store.set("siyu:session:kf:wk1:wmOther", "{}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "forget", "wmCli", env={**env, "REDIS_URL": TEST_REDIS_URL},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0 and "wmCli" in out.decode(), out.decode()
    assert await redis_store.get("siyu:session:kf:wk1:wmCli") is None
    assert await redis_store.get("siyu:session:kf:wk1:wmOther") == "{}"
    assert out.decode().splitlines()[-1] == "已删除顾客 wmCli 的全部数据：存储键 1"  # what went, in Chinese (trial15), not every zero
    for customer in ("wmCli", "nobody"):  # forgotten already, or never known: nothing stored, and it says so
        again = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "forget", customer, env={**env, "REDIS_URL": TEST_REDIS_URL},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        said, _ = await asyncio.wait_for(again.communicate(), 60)
        assert again.returncode == 0
        assert said.decode().splitlines() == [f"没有顾客 {customer} 的任何数据，没有要删除的"
                                              "（顾客 ID 写对了吗？应为 external_userid，如 wm…）"], said.decode()
    without_redis = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "forget", "wmCli", env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    await asyncio.wait_for(without_redis.communicate(), 60)
    assert without_redis.returncode == 2


# -- customer groups ---------------------------------------------------------------------------------
async def test_forget_erases_a_customer_from_group_moderation_too(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrA", "护肤日常1群", "anna", ["wmGone", "wmStay"])
    fake.relations.update({"wmGone": {"anna": set()}, "wmStay": {"anna": set()}})
    async with moderation_stack(store, fake) as stack:
        clock, mod = stack.groups.clock, stack.moderation
        await stack.groups.reconciler.sync_all()
        fake.fail("message/send", 81013)  # the alert about wmGone is refused: a dead letter naming them
        for n, who in enumerate(("wmGone", "wmStay")):  # severe at once: strike, alert, blacklist, tag
            assert await mod.handle(said(f"g{n}a", "wrA", who, "先转账到这个卡号 秘密口令", clock())) == "acted"
        for n, who in enumerate(("wmGone", "wmStay")):
            # strike 2, whose removal notice waits for company (nothing is due: no flush takes it along)
            assert await mod.handle(said(f"g{n}b", "wrA", who, "加我微信 秘密口令二", clock())) == "acted"
            await store.window_add(flood_key("wrA", who), f"g{n}b", int(clock() * 1000), 60_000)
            await store.window_add(repeat_key(who, "加我微信"), "wrA", int(clock() * 1000), 600_000)
            await QueueSink(Queue(store))(said(f"g{n}c", "wrA", who, "还在排队的 秘密口令三", clock()))
        assert len(await DeadLetters(store).list()) == 1 and await store.scan("siyu:modtag:done:*")
        before = await _everything(store)
        assert "wmGone" in before and "秘密口令" in before

        counts = await forget(store, "wmGone")

        after = await _everything(store)
        assert "wmGone" not in after, after
        assert "秘密口令" in after and after.count("秘密口令") == before.count("秘密口令") // 2  # wmStay's stay
        assert counts["audit records"] == 2 and counts["owner notices"] == 1 and counts["group memberships"] == 1
        assert await blacklist.restraint(store, "wmGone") is None and await blacklist.restraint(store, "wmStay")
        assert len(await stack.strikes.history("wmStay")) == 2 and await stack.strikes.history("wmGone") == []
        assert set(await stack.groups.registry.members("wrA")) == {"anna", "wmStay"}
        await stack.groups.clock.sleep(120)
        assert await stack.notifier.flush() == 1  # wmStay's removal notice still goes
        assert "wmGone" not in fake.messages_to("anna")[-1]


async def test_the_janitor_drops_dismissed_groups_and_old_undecryptable_records(store: Store,
                                                                             fake: FakeWeCom) -> None:
    fake.add_group("wrOld", "快闪第1期", "anna", ["wmA"])
    fake.add_group("wrLive", "护肤日常1群", "anna", ["wmB"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        await stack.stats.incident("wrOld", "broadcast", stack.clock())
        del fake.groups["wrOld"]
        await stack.reconciler.sync_all()  # gone from WeCom's listing: dismissed now
        assert (await stack.registry.get("wrOld")).status == "dismissed"  # type: ignore[union-attr]
        now = stack.clock()
        await store.lpush_capped(UNDECRYPTABLE_LOG, json.dumps({"seq": 1, "at": now - 40 * 86400}), 10)
        await store.lpush_capped(UNDECRYPTABLE_LOG, json.dumps({"seq": 2, "at": now}), 10)
        today = await Janitor(store, Retention(), clock=lambda: now).run_once()
        assert today[UNDECRYPTABLE_LOG] == 1 and len(await store.lrange(UNDECRYPTABLE_LOG, 0, -1)) == 1
        soon = await Janitor(store, Retention(), clock=lambda: now + 89 * 86400).run_once()
        assert soon["dismissed groups"] == 0 and await stack.registry.get("wrOld") is not None
        later = await Janitor(store, Retention(), clock=lambda: now + 91 * 86400).run_once()
        assert later["dismissed groups"] == 1
        assert await stack.registry.get("wrOld") is None and await store.scan("siyu:grp:wrOld*") == []
        assert await store.scan("siyu:gstat:g:wrOld") == []
        assert await stack.registry.chat_ids() == ["wrLive"] and await stack.registry.get("wrLive") is not None


async def test_group_counts_per_day_are_kept_as_long_as_the_audit(store: Store) -> None:
    stats = GroupStats(store, 1800, retention_days=lambda: 90)
    day0 = 1_700_000_000.0
    await stats.joined("wrA", "daily", [Member("wmA", 2)], day0)
    assert (await stats.for_types(1, day0))["daily"]["joins"] == 1
    await stats.joined("wrA", "daily", [Member("wmB", 2)], day0 + 95 * 86400)  # a new day, past the retention
    assert (await stats.for_types(200, day0 + 95 * 86400))["daily"]["joins"] == 1
    assert (await stats.for_group("wrA"))["joins"] == 2  # the group's own total stays with the group
