"""Fault suite, WeCom: busy (-1) and rate-limited (45009) for long, unreachable, slower than the client timeout,
a permanent refusal (dead letter with its payload, then replay), and a reply window that closes meanwhile.

Durations are compressed with settings (backoff cap, client timeout), never by waiting a fixed time: each
outage lasts until the fake WeCom has refused more tries per message than the old code ever made.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from collections.abc import Callable

import aiohttp
import pytest

from tests.fake_wecom import FakeWeCom
from tests.fault_kit import BotProcess, Ledger, RedisProcess, kf_notice, post_like_wecom, until

pytestmark = pytest.mark.faults
Bots = Callable[..., BotProcess]
FAST_RETRY = {"SIYU_SEND_RETRY_MAX": "0.1"}
OLD_TRIES_PER_MESSAGE = 16  # 4 event attempts x 4 API tries: then the reply was dead-lettered and lost


async def settle(check: Callable[[], bool], within: float = 20.0) -> bool:
    try:
        await until(check, within)
    except AssertionError:
        return False
    return True


async def metric(http: aiohttp.ClientSession, bot: BotProcess, name: str, **labels: str) -> float:
    async with http.get(f"{bot.base}/metrics") as response:
        text = await response.text()
    total = 0.0
    for line in text.splitlines():
        named = line.startswith(name + "{") or line.startswith(name + " ")
        if named and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def dead_letters(redis: RedisProcess) -> list[dict[str, object]]:
    client = redis.client()
    try:
        return [json.loads(raw) for raw in await client.lrange("siyu:deadletters", 0, -1)]
    finally:
        await client.aclose()


@pytest.mark.parametrize("errcodes", [(-1,), (45009,), (-1, 45009)])
async def test_wecom_busy_or_rate_limited_for_long_loses_no_reply(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom, errcodes: tuple[int, ...]) -> None:
    bot = bots(private_redis.url, FAST_RETRY)
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    customers = [f"wmBusy{i}" for i in range(20)]
    for customer in customers:
        ledger.write(customer)
    fake.outage("kf/send_msg", *errcodes)
    async with aiohttp.ClientSession() as http:
        assert (await post_like_wecom(http, bot.base, kf_notice("B1"))).accepted
        enough = 20 * (OLD_TRIES_PER_MESSAGE + 4)
        await settle(lambda: len(fake.calls_to("kf/send_msg")) >= enough)
        fake.recover()
        await settle(lambda: ledger.answered() == 20)
    print("measured", {"errcodes": errcodes, "tries": len(fake.calls_to("kf/send_msg")), **ledger.summary()})
    assert ledger.summary() == {"messages": 20, "answered": 20, "duplicates": 0, "lost": 0}
    assert await dead_letters(private_redis) == []
    assert len(bot.log_lines()) < 60, bot.log_text()[-3000:]


async def test_wecom_refusing_connections_loses_nothing(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom) -> None:
    bot = bots(private_redis.url, FAST_RETRY)
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    ledger.write("wmFirst")
    async with aiohttp.ClientSession() as http:
        assert (await post_like_wecom(http, bot.base, kf_notice("C0"))).accepted
        await until(lambda: ledger.answered() == 1)
        customers = [f"wmConn{i}" for i in range(20)]
        for customer in customers:
            ledger.write(customer)
        await fake.refuse_connections()
        try:
            assert (await post_like_wecom(http, bot.base, kf_notice("C1"))).accepted

            async def many_failures() -> bool:
                return await metric(http, bot, "siyu_wecom_api_calls_total", errcode="-100") >= 20

            await until(many_failures, what="WeCom refusing connections for a while")
        finally:
            await fake.accept_connections()
        await settle(lambda: ledger.answered(customers) == 20)
        print("measured", ledger.summary())
        assert ledger.summary() == {"messages": 21, "answered": 21, "duplicates": 0, "lost": 0}


async def test_a_reply_whose_window_closes_during_an_outage_is_recorded_as_expired(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom) -> None:
    bot = bots(private_redis.url, FAST_RETRY)
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    async with aiohttp.ClientSession() as http:
        ledger.write("wmEarlier")  # the kf cursor now exists: what follows is news, however old it is
        assert (await post_like_wecom(http, bot.base, kf_notice("X0"))).accepted
        await until(lambda: ledger.replies("wmEarlier") == 1)
        ledger.write("wmLate", send_time=int(time.time()) - 48 * 3600 + 3)  # the 48 h window closes in 3 s
        fake.outage("kf/send_msg", -1)
        assert (await post_like_wecom(http, bot.base, kf_notice("X1"))).accepted

        async def expired() -> bool:
            return any(r.get("status") == "expired" for r in await dead_letters(private_redis))

        await until(expired, what="the reply recorded as expired")
        fake.recover()
        ledger.write("wmLater")  # the worker has moved on: the expired reply is never sent
        assert (await post_like_wecom(http, bot.base, kf_notice("X2"))).accepted
        await until(lambda: ledger.replies("wmLater") == 1)
    assert ledger.replies("wmLate") == 0
    [record] = await dead_letters(private_redis)
    assert record["payload"]["touser"] == "wmLate" and record["payload"]["text"]["content"]  # type: ignore[index]


async def test_a_permanent_refusal_is_dead_lettered_with_its_payload_and_replayed_once(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom) -> None:
    bot = bots(private_redis.url, FAST_RETRY)
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    ledger.write("wmDenied")
    fake.fail("kf/send_msg", 48002)  # no permission: retrying cannot help
    async with aiohttp.ClientSession() as http:
        assert (await post_like_wecom(http, bot.base, kf_notice("D1"))).accepted

        async def dead() -> bool:
            return len(await dead_letters(private_redis)) == 1

        await until(dead, what="a dead letter")
    [record] = await dead_letters(private_redis)
    assert record["status"] == "dead" and "48002" in str(record["error"])
    assert record["payload"]["touser"] == "wmDenied"  # type: ignore[index]

    async def siyu(*args: str) -> tuple[int, str]:
        """The operator's command, run while the fake WeCom (in this process) keeps answering."""
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "deadletters", *args, env=bot.env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(process.communicate(), 60)
        return process.returncode or 0, out.decode()

    code, listing = await siyu()
    assert code == 0 and "48002" in listing and "kf/send_msg" in listing, listing
    code, replay = await siyu("--replay")
    assert code == 0 and re.search(r"补发 1 条", replay), replay
    assert ledger.replies("wmDenied") == 1
    assert await dead_letters(private_redis) == []
    code, again = await siyu("--replay")
    assert code == 0 and ledger.replies("wmDenied") == 1, again


@pytest.mark.parametrize("unique_msgids", [True, False])
async def test_wecom_slower_than_the_client_timeout(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom, unique_msgids: bool) -> None:
    """Each send times out on our side but WeCom processes it; the resend carries the same msgid.

    WeCom documents that it refuses a repeated msgid: then there is no duplicate. A WeCom that did not check
    would show one duplicate per timed-out send: the measured bound documented in docs/gateway.md.
    """
    fake.unique_msgids = unique_msgids
    bot = bots(private_redis.url, {**FAST_RETRY, "SIYU_WECOM_TIMEOUT": "0.5"})
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    customers = [f"wmSlow{i}" for i in range(10)]
    for customer in customers:
        ledger.write(customer)
    fake.slow("kf/send_msg", 1.0, times=10)
    async with aiohttp.ClientSession() as http:
        assert (await post_like_wecom(http, bot.base, kf_notice("S1"))).accepted
        await settle(lambda: ledger.answered() == 10)
        timed_out = await metric(http, bot, "siyu_wecom_api_calls_total", endpoint="kf/send_msg", errcode="-100")
    summary = ledger.summary()
    print("measured", {"unique_msgids": unique_msgids, "timed_out": timed_out, **summary})
    assert summary["answered"] == 10 and summary["lost"] == 0
    if unique_msgids:
        assert summary["duplicates"] == 0
    else:
        assert summary["duplicates"] <= timed_out
    assert await dead_letters(private_redis) == []


async def test_a_client_timeout_longer_than_wecoms_answer_never_doubles(
        private_redis: RedisProcess, bots: Bots, fake: FakeWeCom) -> None:
    bot = bots(private_redis.url, {**FAST_RETRY, "SIYU_WECOM_TIMEOUT": "3"})
    bot.start()
    await bot.started()
    ledger = Ledger(fake)
    for n in range(10):
        ledger.write(f"wmPatient{n}")
    fake.slow("kf/send_msg", 1.0, times=10)
    async with aiohttp.ClientSession() as http:
        assert (await post_like_wecom(http, bot.base, kf_notice("S2"))).accepted
        await settle(lambda: ledger.answered() == 10)
    assert ledger.summary() == {"messages": 10, "answered": 10, "duplicates": 0, "lost": 0}
