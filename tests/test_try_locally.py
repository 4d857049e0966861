"""The way docs/operations.md tells a developer to try the whole bot by hand, run as written: the fake WeCom from
`python -m tests.fake_wecom`, a real `siyu serve` configured with the lines it prints, and `python -m
tests.send_callback` posting an encrypted kf callback and printing the customer's answer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator

import aiohttp
import redis.asyncio as aioredis

from tests.conftest import TEST_REDIS_URL
from tests.gateway_kit import ROOT
from tests.test_serve_log import free_port, wait_healthy


async def _stop(process: asyncio.subprocess.Process) -> bytes:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    return out


class Tried:
    """The fake WeCom and siyu serve as the page starts them; `shown`: what the fake printed, once stopped."""

    def __init__(self) -> None:
        self.base = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "WECOM_", "REDIS_URL"))}
        self.base["PYTHONPATH"] = str(ROOT)
        self.bot = self.fake_url = self.shown = ""

    async def send(self, *args: str) -> str:
        """`python -m tests.send_callback ARGS` against them: what it printed (it must succeed)."""
        sent = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.send_callback", *args, "--bot", self.bot, "--fake", self.fake_url,
            env=self.base, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await asyncio.wait_for(sent.communicate(), 40)
        said = out.decode()
        assert sent.returncode == 0, (said, err.decode())
        assert "siyu serve answered the callback: 200" in said
        return said


@contextlib.asynccontextmanager
async def tried_locally() -> AsyncIterator[Tried]:
    raw = aioredis.Redis.from_url(TEST_REDIS_URL)
    await raw.flushdb()
    await raw.aclose()
    tried = Tried()
    base = tried.base
    fake = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.fake_wecom", "--port", "0", env=base,
                                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    serve = None
    try:
        assert fake.stdout is not None
        printed = []
        while not printed or not printed[-1].startswith("then:"):
            printed.append((await asyncio.wait_for(fake.stdout.readline(), 20)).decode().strip())
        env = dict(base)
        for line in printed:
            if line.startswith("export "):
                env.update(pair.split("=", 1) for pair in line.removeprefix("export ").split())
        tried.fake_url = env["WECOM_API_BASE"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", tried.fake_url) and tried.fake_url in printed[0]
        port = free_port()
        env.update(REDIS_URL=TEST_REDIS_URL, SIYU_PORT=str(port), SIYU_HOST="127.0.0.1", SIYU_CONTENT=str(ROOT))
        serve = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", env=env,
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        tried.bot = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session, tried.bot, serve)
        yield tried
    finally:
        if serve is not None:
            await _stop(serve)
        tried.shown = (await _stop(fake)).decode()


async def test_the_documented_local_try_answers_a_customer_end_to_end() -> None:
    async with tried_locally() as tried:
        said = await tried.send("包邮吗我在新疆")
        assert re.search(r"^wmTryLocal01 ← .*偏远地区", said, re.M), said
    shown = tried.shown
    assert re.search(r"→ kf/send_msg wmTryLocal01 \[text\] .*偏远地区", shown), shown  # the fake says what went out


async def test_send_callback_opens_a_kf_chat_and_prints_the_welcome() -> None:
    """A clean-clone trial could not send an enter_session (the customer opening the kf chat) by hand, so the
    welcome and its hold could not be seen: `--enter` makes the fake hold the event with a welcome_code."""
    async with tried_locally() as tried:
        said = await tried.send("--enter", "--customer", "wmTryLocal03")
        assert re.search(r"^wmTryLocal03 ← \S", said, re.M), said
        # the page's held welcome: a complaint sent within SIYU_KF_WELCOME_HOLD gets the apology, no welcome first
        opened = asyncio.create_task(tried.send("--enter", "--customer", "wmTryLocal04"))
        await asyncio.sleep(1.0)
        said = await tried.send("我的快递怎么还没到 都一个礼拜了", "--customer", "wmTryLocal04")
        assert re.search(r"^wmTryLocal04 ← .*抱歉", said, re.M) and "抱歉" in await opened, said
    assert len(re.findall(r"→ kf/send_msg_on_event WC\d+ \[text\] \S", tried.shown)) == 1, tried.shown
