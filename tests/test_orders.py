"""Purchases reach the bot (POST /orders, siyu purchase, a purchase tag) and the counters reach /metrics."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.followups.record import Records
from bot.gateway.queue import Queue, stream_name
from bot.profile.store import Profiles
from bot.store.base import Store
from bot.wiring import make_conversation_factory
from tests.conftest import TEST_REDIS_URL
from tests.fake_wecom import FakeWeCom
from tests.followups_kit import LIBRARY, ROOT, rig
from tests.gateway_kit import eventually, settings
from tests.wecom import callback, event

FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}
TOKEN = "shop-secret-0123456789"


@pytest.fixture
async def client(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    factory = make_conversation_factory(ROOT, burst_window=0, hot_reload=False)
    app = build_app(settings(fake.base_url, order_token=TOKEN), factory, store=store, worker_options=FAST)
    return await aiohttp_client(app)


async def post(client: TestClient, body: object, token: str = TOKEN) -> tuple[int, dict[str, Any]]:
    response = await client.post("/orders", json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status, await response.json()


async def test_an_order_is_a_purchase_once_and_starts_the_after_purchase_plan(client: TestClient, store: Store,
                                                                             fake: FakeWeCom) -> None:
    plaintext = event("change_external_contact", ChangeType="add_external_contact", UserID="emp1",
                      ExternalUserID="wmBuyer", State="live", WelcomeCode="WB1")
    query, body = callback(plaintext)
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200
    await eventually(lambda: len(fake.calls_to("externalcontact/send_welcome_msg")) == 1)  # the customer came first
    order = {"external_userid": "wmBuyer", "order_id": "T2026-001", "product": "clear_serum", "paid_at": time.time()}
    assert await post(client, order) == (200, {"ok": True, "duplicate": False})
    assert await post(client, order) == (200, {"ok": True, "duplicate": True})
    records = Records(store)

    async def planned() -> bool:
        state = (await records.load("wmBuyer")).plan("after_purchase")
        return state is not None and state.step == "usage" and state.planned > 0

    for _ in range(250):
        if await planned():
            break
        await asyncio.sleep(0.02)
    assert await planned()
    profile = await Profiles(store).load("wmBuyer")
    assert [p[0] for p in profile.purchases] == ["clear_serum"]
    seeds = (await records.load("wmBuyer")).plan("seeds")
    assert seeds is not None and seeds.over  # the selling plan ended
    metrics = await (await client.get("/metrics")).text()
    assert 'siyu_funnel_customers_total{channel="live",stage="purchased"} 1.0' in metrics
    assert 'siyu_followups_total{outcome="cancelled",route="",step="seeds.care"} 1.0' in metrics


@pytest.mark.parametrize(("body", "token", "status", "error"), [
    ({"external_userid": "wm1", "order_id": "1"}, "wrong-token-000000000", 401, "bearer token"),
    ("not an object", TOKEN, 400, "JSON object"),
    ({"order_id": "1"}, TOKEN, 400, "external_userid is missing"),
    ({"external_userid": "wm1"}, TOKEN, 400, "order_id is missing"),
    ({"external_userid": "wm1", "order_id": "1", "paid_at": -5}, TOKEN, 400, "paid_at"),
    ({"external_userid": "wm1", "order_id": "1", "product": 7}, TOKEN, 400, "product must be text"),
])
async def test_bad_orders_get_a_clear_answer_and_queue_nothing(client: TestClient, body: object, token: str,
                                                                status: int, error: str) -> None:
    got, answer = await post(client, body, token)
    assert got == status and error in answer["error"]
    raw = await client.post("/orders", data=b"{not json", headers={"Authorization": f"Bearer {TOKEN}"})
    assert raw.status == 400


async def test_without_a_token_there_is_no_order_endpoint(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> None:
    app = build_app(settings(fake.base_url), lambda _: None, store=store, worker_options=FAST)  # type: ignore[arg-type,return-value]
    client = await aiohttp_client(app)
    assert (await client.post("/orders", json={})).status in (404, 405)


async def test_siyu_purchase_queues_the_order_for_the_running_bot(redis_store: Store) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}

    def siyu(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "purchase", *args], capture_output=True, text=True,
                              env={**env, "REDIS_URL": TEST_REDIS_URL}, timeout=60)

    first = await asyncio.to_thread(siyu, "wmCli", "--order", "A1", "--product", "clear_serum")
    again = await asyncio.to_thread(siyu, "wmCli", "--order", "A1")
    assert first.returncode == 0 and "已交给机器人处理" in first.stdout and first.stderr.count("不在") == 0
    assert "还不认识顾客 “wmCli”" in first.stderr  # recorded anyway, and said
    await redis_store.set(Profiles.key("wmKnown"), "{}")
    known = await asyncio.to_thread(siyu, "wmKnown", "--order", "K1")
    assert known.returncode == 0 and "还不认识" not in known.stderr
    assert again.returncode == 0 and "之前已经记过了" in again.stdout
    sku = await asyncio.to_thread(siyu, "wmCli", "--order", "A2", "--product", "CS-30ML")
    assert sku.returncode == 0 and "已交给机器人处理" in sku.stdout and "CS-30ML" in sku.stderr  # kept, and said
    queue = Queue(redis_store)
    await queue.setup()
    from bot.gateway.queue import partition_of

    entries = await redis_store.read_group(stream_name(partition_of("order:wmCli")), "siyu-workers", "t", 10, 10)
    assert [e.fields["kind"] for e in entries] == ["order", "order"]  # wmCli's two; wmKnown's is elsewhere


async def test_a_purchase_tag_set_by_staff_counts_as_a_purchase(store: Store, fake: FakeWeCom) -> None:
    assert LIBRARY.current.plans.purchase_tags == ["已购"]
    async with rig(store, fake) as r:
        await r.added("wmTagged")
        await r.followups.run("wmTagged")
        async with Profiles(store).edit("wmTagged") as profile:
            profile.staff_changed(LIBRARY.current.codebook, ["已购"], [])  # as the tag sync reports it
        await r.followups.run("wmTagged")
        record = await r.records.load("wmTagged")
        assert record.time("purchased") and record.plan("seeds").over  # type: ignore[union-attr]
        assert (record.plan("after_purchase") or None) is not None
        assert (await Profiles(store).load("wmTagged")).purchased
        assert [e.name for e in r.told if e.name == "purchased"] == ["purchased"]
