"""The serve log as an operator reads it: a real `siyu serve` process, a real kf turn, every line checked.

At INFO a served turn writes one line per inbound event and one per reply batch, after a start-up summary
and the content version; no customer text, no secret, no library chatter.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis

from bot.gateway.serving import NO_AOF, check_store
from bot.logging_setup import conversation_tag, redact_url
from tests.conftest import TEST_REDIS_URL
from tests.fake_wecom import FakeWeCom
from tests.fault_kit import RedisProcess, need_redis_server
from tests.gateway_kit import eventually
from tests.wecom import AES_KEY, CORP_ID, TOKEN, callback, event

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER, QUESTION = "wmLogCustomer77", "包邮吗我在新疆"
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ([\w.]+): (.*)$")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_serve(fake: FakeWeCom, port: int) -> asyncio.subprocess.Process:
    raw = aioredis.Redis.from_url(TEST_REDIS_URL)
    await raw.flushdb()
    await raw.aclose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "WECOM_", "REDIS_URL"))}
    env.update(WECOM_CORP_ID=CORP_ID, WECOM_TOKEN=TOKEN, WECOM_AES_KEY=AES_KEY, WECOM_SECRET=fake.secret,
               WECOM_AGENT_ID="1000002", WECOM_API_BASE=fake.base_url, REDIS_URL=TEST_REDIS_URL,
               SIYU_CONTENT=str(ROOT), SIYU_HOST="127.0.0.1", SIYU_PORT=str(port), SIYU_BURST_WINDOW="0",
               SIYU_KF_URL="https://work.weixin.qq.com/kfid/kfcLOG",  # configured: no start-up warning
               PYTHONPATH=str(ROOT))
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", env=env,
                                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def wait_healthy(session: aiohttp.ClientSession, base: str, process: asyncio.subprocess.Process) -> None:
    for _ in range(600):
        assert process.returncode is None, "siyu serve exited"
        try:
            async with session.get(f"{base}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("siyu serve did not become healthy")


async def test_a_served_turn_logs_exactly_its_lines_and_no_customer_text(fake: FakeWeCom) -> None:
    port = free_port()
    process = await start_serve(fake, port)
    try:
        async with aiohttp.ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            await wait_healthy(session, base, process)
            fake.add_kf_event("wkLog", {"event_type": "enter_session", "external_userid": CUSTOMER,
                                        "welcome_code": "KWLOG", "scene_param": ""})
            fake.add_kf_message("wkLog", CUSTOMER, QUESTION)
            query, body = callback(event("kf_msg_or_event", Token="TLOG1", OpenKfId="wkLog"))
            async with session.post(f"{base}/wecom/callback", params=query, data=body) as response:
                assert response.status == 200
            await eventually(lambda: len(fake.calls_to("kf/send_msg")) == 1, within=20)
            assert len(fake.calls_to("kf/send_msg_on_event")) == 1
    finally:
        process.send_signal(signal.SIGTERM)
        _, raw_stderr = await asyncio.wait_for(process.communicate(), 30)
    stderr = raw_stderr.decode()
    assert process.returncode == 0, stderr

    lines = stderr.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), f"lines not in the log format: {[ln for ln, m in zip(lines, parsed, strict=True) if not m]}"
    records = [(m.group(1), m.group(2), m.group(3)) for m in parsed if m]
    if await appendonly() == "no":  # the shared test Redis runs without AOF: said once, after the config line
        assert records.pop(1) == ("WARNING", "siyu", NO_AOF), records
    assert all(level == "INFO" for level, _, _ in records), records

    kf_tag, sync_tag = conversation_tag(f"kf:wkLog:{CUSTOMER}"), conversation_tag("kfsync:wkLog")
    messages = [message for _, _, message in records]
    expected = [
        r"config: corp \S+, agent 1000002, store redis://\S+, WeCom API http://127\.0\.0\.1:\d+, "
        rf"content {re.escape(str(ROOT))} \(SIYU_CONTENT\), persona xiaowanzi \(default\), burst window 0s, "
        r"kf welcome hold 5s, time zone Asia/Shanghai, log level INFO, "
        r"retention queue 1h sessions 90d profiles 400d near_misses 30d logs 30d deadletters 7d",
        r"content version [0-9a-f]{12} loaded from \S+",
        r"store epoch \S+ written \(a new or emptied store\)",  # the test starts on an empty database
        rf"siyu-bot listening on 127\.0\.0\.1:{port} \(at most \d+ client connections, \d+s to send a request\)",
        rf"in kf conv={sync_tag} event=siyu:q:\d+/\d+-\d+ queued \d+ ms",
        r"wecom access token refreshed \(valid 1h55m\)",  # 7200 s less 5 minutes
        rf"in kf_event/enter_session conv={kf_tag} event=siyu:q:\d+/\d+-\d+ queued \d+ ms",
        rf"out kf_welcome conv={kf_tag} sent 1 of \d \[[\w.:,]+\]",  # a flow starts: transitions would chatter
        rf"in kf_message/text conv={kf_tag} event=siyu:q:\d+/\d+-\d+ queued \d+ ms",
        rf"out kf conv={kf_tag} sent 1 of 1 \[faq:shipping_remote\]",
        r"stopping: finishing the work in hand",  # SIGTERM
    ]
    assert len(messages) == len(expected), "\n".join(messages)
    # Workers run the queued events concurrently, so the lines of the turn may interleave (a message's "in" line
    # is written when a worker picks it up, before it waits for the welcome's turn of the same conversation):
    # each expected line must appear exactly once; start-up first, replies in order, the stop last.
    placed = []
    for pattern in expected:
        found = [at for at, message in enumerate(messages) if re.fullmatch(pattern, message)]
        assert len(found) == 1, (pattern, messages)
        placed.append(found[0])
    assert placed[:4] == [0, 1, 2, 3], messages
    # SIGTERM goes as soon as the fake has the answer, which can be before its "out" line is written: the stop
    # line follows every "in" line, and work in hand may still log its reply after it.
    assert placed[-1] > max(placed[4], placed[6], placed[8]), messages
    assert placed[7] < placed[9], messages  # the welcome went out before the answer

    for private in (QUESTION, "包邮", CUSTOMER, TOKEN, AES_KEY, fake.secret):
        assert private not in stderr, private
    assert "callbacks" not in stderr and "transitions" not in stderr


async def appendonly() -> str:
    raw = aioredis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    try:
        return str((await raw.config_get("appendonly"))["appendonly"])
    finally:
        await raw.aclose()


@pytest.mark.parametrize(("options", "warned"), [
    ((), True),  # appendonly no: a restart loses the queue, sessions and profiles
    (("--appendonly", "yes"), False),
    (("--rename-command", "CONFIG", ""), False),  # managed Redis refuses CONFIG: nothing to say
])
async def test_a_redis_without_aof_is_one_warning_at_start_up(tmp_path: Path, options: tuple[str, ...],
                                                               warned: bool) -> None:
    need_redis_server()
    server = RedisProcess(tmp_path / "redis", options=options)
    server.start()
    try:
        checked = await check_store(server.url)
    finally:
        server.kill()
    assert checked.problem is None
    assert checked.warning == (NO_AOF if warned else None)
    assert (await check_store(None)).warning is None  # the embedded store: its own warning says it all


def test_store_passwords_are_hidden() -> None:
    assert redact_url("redis://:hunter2@10.0.0.5:6380/1") == "redis://:***@10.0.0.5:6380/1"
    assert redact_url("rediss://bot:hunter2@cache/0") == "rediss://bot:***@cache/0"
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
