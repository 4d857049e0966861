"""The whole bot (gateway, engine, bundled content) on a real Redis against the fake WeCom, for kf tests that wait
on time: bursts, recalls, a held welcome, a forget in between."""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.store.base import Store
from bot.wiring import make_conversation_factory
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
