"""Two `siyu serve` processes on one Redis: every due follow-up goes out exactly once."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from bot.followups.record import DUE_KEY, PlanState, Records
from bot.gateway.kf import KfChannel
from bot.store.redis import RedisStore
from tests.conftest import TEST_REDIS_URL
from tests.fake_wecom import FakeWeCom
from tests.wecom import AES_KEY, CORP_ID, TOKEN

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS = 60


def daytime_zone() -> str:
    """A fixed-offset zone where it is early afternoon now, so that quiet hours never get in the way."""
    offset = (14 - datetime.now(UTC).hour + 12) % 24 - 12  # hours east of UTC, -12..11
    return f"Etc/GMT{'-' if offset >= 0 else '+'}{abs(offset)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def seed(store: RedisStore, now: float) -> None:
    """Customers who wrote in kf 30 hours ago, each with the day-1 care due a second ago."""
    records = Records(store)
    kf = KfChannel(store, None, None, None, None, clock=lambda: now)  # type: ignore[arg-type]
    began = now - 30 * 3600
    for number in range(CUSTOMERS):
        customer = f"wmProc{number:03d}"
        await kf.customer_wrote("wk1", customer, began)
        state = PlanState(step="care", started=began, anchor=began, planned=now - 1)
        await records.write(customer, {"added": f"{began:.0f}", "message": f"{began:.0f}", "kf": "wk1",
                                       "conv": f"kf:wk1:{customer}", "ch": "live", "p:seeds": state.encode()})
        await store.zadd(DUE_KEY, f"{customer}|{now - 1:.0f}", now - 1)


async def test_two_processes_send_each_due_step_once(fake: FakeWeCom, tmp_path: Path) -> None:
    store = RedisStore(TEST_REDIS_URL)
    await store._redis.flushdb()
    await seed(store, time.time())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
    env.update(WECOM_CORP_ID=CORP_ID, WECOM_TOKEN=TOKEN, WECOM_AES_KEY=AES_KEY, WECOM_SECRET=fake.secret,
               WECOM_API_BASE=fake.base_url, REDIS_URL=TEST_REDIS_URL, SIYU_CONTENT=str(ROOT),
               SIYU_TIMEZONE=daytime_zone(), SIYU_BURST_WINDOW="0", SIYU_HOST="127.0.0.1")
    logs = [(tmp_path / f"serve{n}.log").open("wb") for n in range(2)]
    processes = [await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", stdout=log, stderr=log,
                                                      env={**env, "SIYU_PORT": str(free_port())}) for log in logs]
    try:
        deadline = time.monotonic() + 120
        while len(fake.calls_to("kf/send_msg")) < CUSTOMERS and time.monotonic() < deadline:
            assert all(p.returncode is None for p in processes), "a siyu serve process died"
            await asyncio.sleep(0.2)
        await asyncio.sleep(2.5)  # time for any duplicate to show up
        sent = Counter(call["touser"] for call in fake.calls_to("kf/send_msg"))
        logs_text = "".join((tmp_path / f"serve{n}.log").read_text(errors="replace")[-2000:] for n in range(2))
        assert len(sent) == CUSTOMERS and set(sent.values()) == {1}, (sent.most_common(3), logs_text)
        for number in range(0, CUSTOMERS, 17):
            state = (await Records(store).load(f"wmProc{number:03d}")).plan("seeds")
            assert state is not None and state.step == "value"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
        for log in logs:
            log.close()
        await store.close()
