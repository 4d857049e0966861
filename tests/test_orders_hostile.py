"""POST /orders against what a careless or hostile shop sends: every bad body gets a 4xx that says what is
wrong (never a 5xx the shop would retry forever), and nothing of it is queued."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.config import Limits
from bot.gateway.queue import Queue
from bot.store.base import Store
from bot.wiring import make_conversation_factory
from tests.fake_wecom import FakeWeCom
from tests.followups_kit import ROOT
from tests.gateway_kit import settings

TOKEN = "shop-secret-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def client(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    factory = make_conversation_factory(ROOT, burst_window=0, hot_reload=False)
    app = build_app(settings(fake.base_url, order_token=TOKEN), factory, store=store, workers=0)  # nothing consumed: the queue shows what was put
    return await aiohttp_client(app)


async def queued(store: Store) -> int:
    return int(await Queue(store).depth())


NOW = int(time.time())


@pytest.mark.parametrize(("raw", "error"), [
    (b'{"external_userid":"wm1","order_id":"1","paid_at":NaN}', "not JSON"),
    (b'{"external_userid":"wm1","order_id":"1","paid_at":Infinity}', "not JSON"),
    (b'{"external_userid":"wm1","order_id":"1","paid_at":1e300}', "future"),
    (f'{{"external_userid":"wm1","order_id":"1","paid_at":{NOW * 1000}}}'.encode(), "milliseconds"),
    (f'{{"external_userid":"wm1","order_id":"1","paid_at":{NOW + 86400}}}'.encode(), "future"),
    (b'[' * 5000 + b']' * 5000, "not JSON"),
    (b'{"external_userid":"wm|1\\n","order_id":"1"}', "external_userid"),
    (b'{"external_userid":"' + b"a" * 15000 + b'","order_id":"1"}', "external_userid"),
    (b'{"external_userid":"wm1","order_id":7.5}', "order_id must be"),
    (b'{"external_userid":"wm1","order_id":true}', "order_id must be"),
    (b'{"external_userid":"wm1","order_id":"' + b"9" * 300 + b'"}', "order_id"),
    (b'{"external_userid":"wm1","order_id":"1","product":"' + b"p" * 300 + b'"}', "product"),
])
async def test_a_broken_order_is_refused_with_its_reason_and_queues_nothing(client: TestClient, store: Store,
                                                                            raw: bytes, error: str) -> None:
    response = await client.post("/orders", data=raw, headers=AUTH)
    answer = await response.json()
    assert response.status == 400, answer
    assert error in answer["error"]
    assert await queued(store) == 0


async def test_a_chunked_body_over_the_cap_is_refused_like_a_declared_one(client: TestClient, store: Store) -> None:
    async def chunks() -> Any:
        yield b'{"external_userid":"wm1","order_id":"1","pad":"' + b"x" * 40_000 + b'"}'

    response = await client.post("/orders", data=chunks(), headers=AUTH)
    assert response.status == 413 and "16384" in (await response.json())["error"]
    assert await queued(store) == 0


async def test_the_same_order_posted_twenty_times_at_once_is_queued_once(client: TestClient, store: Store) -> None:
    body = {"external_userid": "wmC", "order_id": "C1", "product": "clear_serum"}
    responses = await asyncio.gather(*[client.post("/orders", json=body, headers=AUTH) for _ in range(20)])
    answers = [await r.json() for r in responses]
    assert all(r.status == 200 for r in responses)
    assert sorted(a["duplicate"] for a in answers) == [False] + [True] * 19
    assert await queued(store) == 1


async def test_one_order_id_for_two_customers_is_not_swallowed_as_a_duplicate(client: TestClient,
                                                                              store: Store) -> None:
    """A shop with order numbers per store front, or a retry that corrects a mistyped customer: the second
    customer's purchase must not be answered 'duplicate' and lost."""
    first = await client.post("/orders", json={"external_userid": "wmTypo", "order_id": "S1"}, headers=AUTH)
    second = await client.post("/orders", json={"external_userid": "wmRight", "order_id": "S1"}, headers=AUTH)
    again = await client.post("/orders", json={"external_userid": "wmRight", "order_id": "S1"}, headers=AUTH)
    assert [(await r.json())["duplicate"] for r in (first, second, again)] == [False, False, True]
    assert await queued(store) == 2


async def test_an_order_arriving_in_many_small_chunks_is_read_whole(client: TestClient, store: Store) -> None:
    body = b'{"external_userid": "wmSlow", "order_id": "SL1", "product": "clear_serum", "note": "' + b"n" * 8000 + b'"}'

    async def trickle() -> Any:
        for start in range(0, len(body), 500):
            yield body[start:start + 500]
            await asyncio.sleep(0.005)

    response = await client.post("/orders", data=trickle(), headers=AUTH)
    assert response.status == 200, await response.text()
    assert await queued(store) == 1


async def test_a_body_that_never_arrives_gets_408_within_the_read_timeout(fake: FakeWeCom, store: Store,
                                                                         aiohttp_server: Any) -> None:
    quick = settings(fake.base_url, order_token=TOKEN, limits=Limits(read_timeout_s=0.5))
    server = await aiohttp_server(build_app(quick, lambda _: None, store=store, workers=0))  # type: ignore[arg-type,return-value]
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(f"POST /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
                 "Content-Length: 100\r\n\r\n{".encode())
    await writer.drain()
    started = time.monotonic()
    answer = await asyncio.wait_for(reader.read(1000), 5)
    assert answer.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 2
    writer.close()
    assert await queued(store) == 0


@pytest.mark.parametrize(("header", "status"), [
    (f"bearer {TOKEN}", 200), (f"BEARER  {TOKEN}", 200), (f"Basic {TOKEN}", 401), ("Bearer", 401), ("", 401),
    (f"Bearer {TOKEN}x", 401), ("Bearer 中文", 401),
])
async def test_the_bearer_scheme_is_case_insensitive_and_anything_else_is_401(client: TestClient, header: str,
                                                                              status: int) -> None:
    response = await client.post("/orders", json={"external_userid": "wmAuth", "order_id": "A1"},
                                 headers={"Authorization": header})
    assert response.status == status, await response.text()


async def test_an_unknown_product_is_recorded_and_the_answer_says_the_catalogue_lacks_it(
        client: TestClient, store: Store) -> None:
    """A shop that sends its own SKU instead of a products.yaml id loses no order, but is told: otherwise the
    bought product is never excluded from later recommendations and nobody notices."""
    unknown = await client.post("/orders", json={"external_userid": "wmSku", "order_id": "K1", "product": "CS-30ML"},
                                headers=AUTH)
    known = await client.post("/orders", json={"external_userid": "wmSku", "order_id": "K2",
                                               "product": "clear_serum"}, headers=AUTH)
    none = await client.post("/orders", json={"external_userid": "wmSku", "order_id": "K3"}, headers=AUTH)
    answer = await unknown.json()
    assert unknown.status == 200 and answer["ok"] and "CS-30ML" in answer["warning"]
    assert "knowledge/products.yaml" in answer["warning"]
    assert "warning" not in await known.json() and "warning" not in await none.json()
    assert await queued(store) == 3


async def test_an_order_the_store_cannot_take_gets_a_503_with_retry_after_and_the_retry_counts_once(
        client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    order = {"external_userid": "wmDown", "order_id": "D1", "paid_at": NOW}
    real = store.enqueue_once

    async def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the store does not answer")

    monkeypatch.setattr(store, "enqueue_once", down)
    refused = await client.post("/orders", json=order, headers=AUTH)
    assert refused.status == 503 and refused.headers["Retry-After"] == "5" and await queued(store) == 0
    monkeypatch.setattr(store, "enqueue_once", real)
    taken = await client.post("/orders", json=order, headers=AUTH)
    again = await client.post("/orders", json=order, headers=AUTH)
    assert taken.status == again.status == 200 and (await again.json())["duplicate"] and await queued(store) == 1
