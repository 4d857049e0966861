"""The way docs/operations.md tells a developer to try the whole bot by hand, run as written: the fake WeCom from
`python -m tests.fake_wecom`, a real `siyu serve` configured with the lines it prints, and `python -m
tests.send_callback` posting an encrypted kf callback and printing the customer's answer."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys

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


async def test_the_documented_local_try_answers_a_customer_end_to_end() -> None:
    raw = aioredis.Redis.from_url(TEST_REDIS_URL)
    await raw.flushdb()
    await raw.aclose()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "WECOM_", "REDIS_URL"))}
    base["PYTHONPATH"] = str(ROOT)
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
        fake_url = env["WECOM_API_BASE"]
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", fake_url) and fake_url in printed[0]
        port = free_port()
        env.update(REDIS_URL=TEST_REDIS_URL, SIYU_PORT=str(port), SIYU_HOST="127.0.0.1", SIYU_CONTENT=str(ROOT))
        serve = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", env=env,
                                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session, f"http://127.0.0.1:{port}", serve)
        sent = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.send_callback", "包邮吗我在新疆", "--bot", f"http://127.0.0.1:{port}",
            "--fake", fake_url, env=base, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await asyncio.wait_for(sent.communicate(), 40)
        said = out.decode()
        assert sent.returncode == 0, (said, err.decode())
        assert "siyu serve answered the callback: 200" in said
        assert re.search(r"^wmTryLocal01 ← .*偏远地区", said, re.M), said
    finally:
        if serve is not None:
            await _stop(serve)
        shown = (await _stop(fake)).decode()
    assert re.search(r"→ kf/send_msg wmTryLocal01 \[text\] .*偏远地区", shown), shown  # the fake says what went out
