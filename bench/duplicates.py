"""Duplicate replies under faults, measured the long way (the fault suite checks the short versions).

    python -m bench.duplicates [--messages 200]

Runs `siyu serve` against a redis-server of its own (needs `redis-server` on the PATH) and the fake WeCom
in its worst-case mode (it does not refuse repeated msgids, unlike WeCom), and counts, per customer message,
how many replies were delivered:

- SIGKILL of the only process while WeCom is still answering its sends, then a restart;
- WeCom answering every send in 9 s, with the default client timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import table
from tests.fake_wecom import FakeWeCom
from tests.fault_kit import BotProcess, Ledger, RedisProcess, kf_notice, post_like_wecom, until


async def _bot(folder: Path, fake: FakeWeCom) -> tuple[RedisProcess, BotProcess]:
    redis = RedisProcess(folder / "redis")
    redis.start()
    bot = BotProcess(folder / "bot", redis.url, fake.base_url)
    bot.start()
    await bot.started()
    return redis, bot


async def sigkill_during_sends(folder: Path, messages: int) -> dict[str, Any]:
    fake = FakeWeCom()
    await fake.start()
    redis, bot = await _bot(folder, fake)
    ledger = Ledger(fake)
    try:
        for n in range(messages):
            ledger.write(f"wmK{n}")
        fake.hold()
        async with aiohttp.ClientSession() as http:
            await post_like_wecom(http, bot.base, kf_notice("K1"))
            await until(lambda: fake.held >= 1, within=30)
            seen = -1
            while fake.held != seen:  # every send that is going to start has started
                seen = fake.held
                await asyncio.sleep(1.0)
            in_flight = fake.held
            bot.kill()
            fake.release()  # WeCom goes through with what it was answering
            bot.start()
            await bot.started()
            await until(lambda: ledger.answered() == messages, within=120)
        return {"fault": f"SIGKILL during {messages} sends, restart", "in flight at the kill": in_flight,
                **ledger.summary()}
    finally:
        bot.kill()
        redis.kill()
        await fake.stop()


async def slow_wecom(folder: Path, messages: int) -> dict[str, Any]:
    fake = FakeWeCom()
    await fake.start()
    redis, bot = await _bot(folder, fake)
    ledger = Ledger(fake)
    try:
        for n in range(messages):
            ledger.write(f"wmS{n}")
        fake.slow("kf/send_msg", 9.0, times=messages)
        async with aiohttp.ClientSession() as http:
            await post_like_wecom(http, bot.base, kf_notice("S1"))
            await until(lambda: ledger.answered() == messages and fake.in_flight == 0, within=180)
            await asyncio.sleep(10)  # a resend of a timed-out send would arrive by now
        return {"fault": f"WeCom answering {messages} sends in 9 s", "in flight at the kill": "-", **ledger.summary()}
    finally:
        bot.kill()
        redis.kill()
        await fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        rows = [await sigkill_during_sends(Path(folder) / "kill", args.messages),
                await slow_wecom(Path(folder) / "slow", 30)]
    headers = ["fault", "in flight at the kill", "messages", "answered", "duplicates", "lost"]
    print(table(headers, [[row[h] for h in headers] for row in rows]))


if __name__ == "__main__":
    asyncio.run(main())
