"""Fault suite, Redis: data lost, Redis frozen, Redis down, Redis unreachable at start.

Each test runs `siyu serve` as a subprocess against a redis-server of its own and the fake WeCom, delivers
callbacks the way WeCom does, and counts the replies every customer message got.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from tests.fake_wecom import FakeWeCom
from tests.fault_kit import (
    BotProcess,
    Ledger,
    RedisProcess,
    kf_notice,
    need_redis_server,
    post_like_wecom,
    post_once,
    until,
)

pytestmark = pytest.mark.faults
Bots = Callable[..., BotProcess]


async def settle(check: Callable[[], bool], within: float = 20.0) -> bool:
    try:
        await until(check, within)
    except AssertionError:
        return False
    return True


@pytest.mark.parametrize("how", ["restart without persistence", "FLUSHDB"])
async def test_redis_losing_its_data_is_detected_recovered_and_nothing_is_answered_twice(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom, how: str) -> None:
    bot = bots(private_redis.url)
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    before = [f"wmA{i}" for i in range(20)]
    after = [f"wmB{i}" for i in range(20)]
    async with aiohttp.ClientSession() as http:
        for customer in before:
            ledger.write(customer)
        assert (await post_like_wecom(http, bot.base, kf_notice("T-before"))).accepted
        await until(lambda: ledger.answered(before) == 20, what="replies before the loss")

        if how == "FLUSHDB":
            client = private_redis.client()
            await client.flushdb()
            await client.aclose()
        else:
            private_redis.restart_empty()  # no persistence: every key is gone
        for n, customer in enumerate(after):
            ledger.write(customer)
            await post_like_wecom(http, bot.base, kf_notice(f"T-after-{n}"))
        await settle(lambda: ledger.answered(after) == 20)
        print("measured", {"how": how, "before_loss": ledger.summary(before), "after_loss": ledger.summary(after)})
        assert ledger.summary(after) == {"messages": 20, "answered": 20, "duplicates": 0, "lost": 0}
        assert ledger.summary(before) == {"messages": 20, "answered": 20, "duplicates": 0, "lost": 0}

        async with http.get(f"{bot.base}/healthz") as response:
            health = await response.json()
        assert "lost its data" in health["detail"], health
        async with http.get(f"{bot.base}/metrics") as response:
            metrics = await response.text()
        assert "siyu_store_data_loss_total 1.0" in metrics
    assert len(bot.log_lines()) < 60, bot.log_text()[-3000:]


async def test_after_data_loss_and_a_restart_old_kf_messages_are_recorded_not_answered(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom) -> None:
    bot = bots(private_redis.url, {"SIYU_KF_MAX_AGE": "300"})
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    old = [f"wmOld{i}" for i in range(20)]
    new = [f"wmNew{i}" for i in range(5)]
    async with aiohttp.ClientSession() as http:
        for customer in old:
            ledger.write(customer, send_time=int(time.time()) - 100)
        assert (await post_like_wecom(http, bot.base, kf_notice("T1"))).accepted
        await until(lambda: ledger.answered(old) == 20, what="the first replies")

        bot.kill()
        private_redis.restart_empty()  # the cursor, dedup keys and sessions are gone with the process
        bot.env["SIYU_KF_MAX_AGE"] = "50"
        bot.start()
        await bot.started()
        for customer in new:
            ledger.write(customer)
        assert (await post_like_wecom(http, bot.base, kf_notice("T2"))).accepted
        await settle(lambda: ledger.answered(new) == 5)
        print("measured", {"old": ledger.summary(old), "new": ledger.summary(new)})
        assert ledger.summary(new) == {"messages": 5, "answered": 5, "duplicates": 0, "lost": 0}
        assert ledger.summary(old) == {"messages": 20, "answered": 20, "duplicates": 0, "lost": 0}
    client = private_redis.client()
    try:
        recorded = [json.loads(raw) for raw in await client.lrange("siyu:log:kf_unanswered", 0, -1)]
    finally:
        await client.aclose()
    assert sorted(r["external_userid"] for r in recorded) == sorted(old)
    assert all(r["reason"] == "too old" and "content" not in r for r in recorded)


async def test_persistent_redis_restart_loses_nothing(tmp_path: Path, bots: Bots, fake: FakeWeCom) -> None:
    """With AOF (appendfsync everysec) a Redis restart keeps the cursor, dedup keys and epoch."""
    need_redis_server()
    redis = RedisProcess(tmp_path / "aof", persistent=True)
    redis.start()
    try:
        bot = bots(redis.url)
        bot.start()
        await bot.started()
        ledger = Ledger(fake)
        first, second = [f"wmP{i}" for i in range(10)], [f"wmQ{i}" for i in range(10)]
        async with aiohttp.ClientSession() as http:
            for customer in first:
                ledger.write(customer)
            await post_like_wecom(http, bot.base, kf_notice("P1"))
            await until(lambda: ledger.answered(first) == 10)
            assert redis.process is not None
            redis.process.terminate()  # SHUTDOWN: Redis writes the AOF to disk before it exits
            redis.process.wait(10)
            redis.start()
            for customer in second:
                ledger.write(customer)
            await post_like_wecom(http, bot.base, kf_notice("P2"))
            await settle(lambda: ledger.answered(second) == 10)
            print("measured", ledger.summary())
            assert ledger.summary() == {"messages": 20, "answered": 20, "duplicates": 0, "lost": 0}
            async with http.get(f"{bot.base}/metrics") as response:
                assert "siyu_store_data_loss_total 0.0" in await response.text()
    finally:
        redis.kill()


async def test_frozen_redis_callbacks_and_healthz_answer_within_a_second(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom) -> None:
    bot = bots(private_redis.url)
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    customers = [f"wmF{i}" for i in range(10)]
    for customer in customers:
        ledger.write(customer)
    async with aiohttp.ClientSession() as http:
        private_redis.freeze()
        try:
            during = await asyncio.gather(*(post_once(http, bot.base, kf_notice(f"F{n}")) for n in range(10)))
            started = time.monotonic()
            health = await bot.health(wait=5)
            health_seconds = time.monotonic() - started
        finally:
            private_redis.thaw()
        slowest = max(seconds for _, seconds in during)
        print("measured", {"slowest_callback_s": round(slowest, 3), "healthz": health,
                           "healthz_s": round(health_seconds, 3)})
        assert slowest < 1.0, during
        assert health == 503 and health_seconds < 1.0, (health, health_seconds)
        # WeCom retries what was not acknowledged
        for n, (status, _) in enumerate(during):
            if status != 200:
                assert (await post_like_wecom(http, bot.base, kf_notice(f"F{n}"))).accepted
        await settle(lambda: ledger.answered(customers) == 10)
        print("measured", ledger.summary())
        assert ledger.summary() == {"messages": 10, "answered": 10, "duplicates": 0, "lost": 0}
    assert len(bot.log_lines()) < 60, bot.log_text()[-3000:]


async def test_redis_outage_logs_one_line_per_distinct_failure(tmp_path: Path, bots: Bots, fake: FakeWeCom) -> None:
    need_redis_server()
    redis = RedisProcess(tmp_path / "aof", persistent=True)
    redis.start()
    try:
        bot = bots(redis.url)
        bot.start()
        await bot.started()
        ledger = Ledger(fake)
        lines_before = len(bot.log_lines())
        async with aiohttp.ClientSession() as http:
            assert redis.process is not None
            redis.process.terminate()
            redis.process.wait(10)
            outcomes = [await post_once(http, bot.base, kf_notice(f"D{n}")) for n in range(20)]
            assert all(status == 503 for status, _ in outcomes), outcomes
            await until(lambda: bot.log_text().count("\n") > lines_before, what="the outage being logged")
            await asyncio.sleep(3)  # let every worker fail for a while: that is what amplified the log
            redis.start()
            ledger.write("wmAfterOutage")
            assert (await post_like_wecom(http, bot.base, kf_notice("D-after"))).accepted
            await until(lambda: ledger.answered() == 1, what="service after the outage")
        during = bot.log_lines()[lines_before:]
        print("measured", {"log_lines": len(during), "tracebacks": sum("Traceback" in line for line in during)})
        assert len(during) <= 25, "\n".join(during)
        assert sum("Traceback" in line for line in during) <= 3, "\n".join(during)
    finally:
        redis.kill()


def test_redis_unreachable_at_start_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    bot = BotProcess(tmp_path, "redis://127.0.0.1:1/0", "http://127.0.0.1:1")
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=bot.env,
                            timeout=60)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert sum("REDIS_URL" in line for line in lines) == 1 and len(lines) <= 3, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
