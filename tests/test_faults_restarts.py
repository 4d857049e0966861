"""Fault suite (attack15): restarts. Two `siyu serve` processes of one brand while their Redis restarts (AOF on):
customers write before, during and after the restart; WeCom's callbacks during it get 503 and are retried as
WeCom does (three tries), and later notifications pull whatever the lost ones announced. Every message must be
answered exactly once and neither process may die or stay unhealthy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from tests.fake_wecom import FakeWeCom
from tests.fault_kit import BotProcess, Ledger, RedisProcess, kf_notice, need_redis_server, post_like_wecom, until

pytestmark = pytest.mark.faults
Bots = Callable[..., BotProcess]


async def test_two_processes_answer_everything_once_across_a_redis_restart(
        tmp_path: Path, bots: Bots, fake: FakeWeCom) -> None:
    need_redis_server()
    redis = RedisProcess(tmp_path / "aof", persistent=True)
    redis.start()
    try:
        one, two = bots(redis.url), bots(redis.url)
        one.start()
        two.start()
        await asyncio.gather(one.started(), two.started())
        ledger = Ledger(fake)
        groups = {name: [f"wm{name}{i}" for i in range(10)] for name in ("Before", "During", "After")}
        async with aiohttp.ClientSession() as http:
            for customer in groups["Before"]:
                ledger.write(customer)
            await post_like_wecom(http, one.base, kf_notice("R1"))
            await until(lambda: ledger.answered(groups["Before"]) == 10, what="replies before the restart")
            assert redis.process is not None
            redis.process.terminate()
            redis.process.wait(10)
            for n, customer in enumerate(groups["During"]):
                ledger.write(customer)
                bot = (one, two)[n % 2]
                await post_like_wecom(http, bot.base, kf_notice(f"R2-{n}"), tries=1)  # lost if Redis is down
            redis.start()
            await asyncio.sleep(1.0)
            for n, customer in enumerate(groups["After"]):
                ledger.write(customer)
                await post_like_wecom(http, (one, two)[n % 2].base, kf_notice(f"R3-{n}"))
            await until(lambda: ledger.answered(ledger.customers) == 30, within=30, what="every reply")
            await asyncio.sleep(2.0)  # time for a duplicate to show
            print("measured", {name: ledger.summary(group) for name, group in groups.items()})
            for group in groups.values():
                assert ledger.summary(group) == {"messages": 10, "answered": 10, "duplicates": 0, "lost": 0}
            for bot in (one, two):
                assert bot.process is not None and bot.process.poll() is None
                assert await bot.health() == 200
    finally:
        redis.kill()


async def test_bursts_due_while_the_only_process_is_stopped_are_answered_once_after_it_starts(
        tmp_path: Path, bots: Bots, fake: FakeWeCom) -> None:
    """The burst's end (a durable timer) falls due while no process runs: the next start answers each burst once."""
    need_redis_server()
    redis = RedisProcess(tmp_path / "aof", persistent=True)
    redis.start()
    try:
        bot = bots(redis.url, {"SIYU_BURST_WINDOW": "2"})
        bot.start()
        await bot.started()
        ledger = Ledger(fake)
        customers = [f"wmStopped{i}" for i in range(10)]
        async with aiohttp.ClientSession() as http:
            for customer in customers:
                ledger.write(customer)
            await post_like_wecom(http, bot.base, kf_notice("S1"))
            await until(lambda: len(fake.calls_to("kf/service_state/get")) >= 10, what="the messages taken")
            bot.stop()  # before the 2 s burst window ends
            assert ledger.answered(customers) == 0
            await asyncio.sleep(3.0)  # the timers fall due with no process running
            bot.start()
            await bot.started()
            await until(lambda: ledger.answered(customers) == 10, within=20, what="the bursts answered")
            await asyncio.sleep(2.0)
            assert ledger.summary(customers) == {"messages": 10, "answered": 10, "duplicates": 0, "lost": 0}
    finally:
        redis.kill()
