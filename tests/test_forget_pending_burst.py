"""`siyu forget` while the customer's burst waits to be answered, or while her message is being handled (attack15).

A message already in a worker's hands when `siyu forget` ran (read from the queue, waiting for WeCom) was handled
afterwards: her session (with her words), profile, follow-up record, kf budget and state were written again and
her burst's timer set anew, after she had asked to be forgotten. `siyu forget` now leaves a mark (a digest of her
id and the time, bot/retention/tombstone.py) that the gateway and the engine check: what she sent before it is
neither answered nor kept.

The whole bot (gateway, engine, bundled content) on a real Redis, the fake WeCom API; afterwards the store is
dumped and must not name her.
"""

from __future__ import annotations

import asyncio
from typing import Any

import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from bot.retention.forget import forget
from bot.store.base import Store
from tests import kf_kit
from tests.conftest import TEST_REDIS_URL
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import eventually
from tests.kf_kit import naming, notify

WINDOW = 2.0


async def start(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    return await kf_kit.start(fake, store, aiohttp_client, burst_window=WINDOW)


def answers(fake: FakeWeCom, customer: str) -> list[dict[str, Any]]:
    return [c for c in fake.calls_to("kf/send_msg") if c["touser"] == customer]


async def test_forget_during_a_pending_burst_leaves_nothing_and_sends_nothing(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    fake.add_kf_message("wk1", "wmBurst", "包邮吗")
    await notify(client)
    await eventually(lambda: bool(fake.calls_to("kf/service_state/get")))
    await asyncio.sleep(0.3)  # her message waits in the burst
    await forget(redis_store, "wmBurst")
    await asyncio.sleep(WINDOW + 1.5)
    assert answers(fake, "wmBurst") == []
    assert await naming("wmBurst") == []


async def test_forget_while_her_message_is_being_handled_leaves_nothing(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    fake.hold("kf/service_state/get")  # the worker has her message in hand and waits for WeCom
    fake.add_kf_message("wk1", "wmInFlight", "我是干皮 孕妇能用吗")
    await notify(client)
    await eventually(lambda: fake.held > 0)
    await forget(redis_store, "wmInFlight")
    fake.release()
    await asyncio.sleep(WINDOW + 1.5)
    assert answers(fake, "wmInFlight") == []
    found = await naming("wmInFlight")
    # the service state WeCom gave the worker mid-forget is cached for 10 s under her id, then gone by itself
    assert found in ([], ["siyu:kf:state:wk1:wmInFlight"]), found
    raw = aioredis.Redis.from_url(TEST_REDIS_URL)
    try:
        assert all(0 < ttl <= 10_000 for ttl in [await raw.pttl(key) for key in found])
    finally:
        await raw.aclose()
