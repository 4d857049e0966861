"""The whole bot (gateway, engine, bundled content) on a real Redis against the fake WeCom, for kf tests that wait
on time: bursts, recalls, a held welcome, a forget in between."""

from __future__ import annotations

import itertools
from typing import Any

import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.store.base import Store
from bot.wiring import make_conversation_factory
from tests.conftest import TEST_REDIS_URL
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import ROOT, settings
from tests.wecom import callback, event

FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}
_tokens = itertools.count(1)


async def start(fake: FakeWeCom, store: Store, aiohttp_client: Any, *, burst_window: float,
                **configured: Any) -> TestClient:
    factory = make_conversation_factory(ROOT, burst_window=burst_window, hot_reload=False)
    app = build_app(settings(fake.base_url, **configured), factory, store=store, worker_options=FAST)
    return await aiohttp_client(app)


async def notify(client: TestClient) -> None:
    """WeCom's kf_msg_or_event callback: there is something to pull."""
    query, body = callback(event("kf_msg_or_event", Token=f"TK{next(_tokens)}", OpenKfId="wk1"))
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200


async def naming(customer: str) -> list[str]:
    """Every key whose name or value names the customer."""
    raw = aioredis.Redis.from_url(TEST_REDIS_URL)
    found = []
    try:
        async for key in raw.scan_iter(count=1000):
            kind, text = await raw.type(key), key.decode()
            if kind == b"string":
                text += (await raw.get(key) or b"").decode(errors="replace")
            elif kind == b"zset":
                text += " ".join(m.decode() for m in await raw.zrange(key, 0, -1))
            elif kind == b"hash":
                text += " ".join(f"{k!r}{v!r}" for k, v in (await raw.hgetall(key)).items())
            elif kind == b"list":
                text += " ".join(m.decode(errors="replace") for m in await raw.lrange(key, 0, -1))
            elif kind == b"stream":
                text += " ".join(repr(entry) for entry in await raw.xrange(key))
            if customer in text:
                found.append(key.decode())
    finally:
        await raw.aclose()
    return found
