"""The async WeCom client: shared token, refresh on expiry, retries with backoff, typed errors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.metrics import Metrics
from bot.protocol.api import TRANSPORT_ERRCODE, WeComAPI, WeComError
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def client(session: aiohttp.ClientSession, store: Store, fake: FakeWeCom, **kw: float) -> WeComAPI:
    async def no_sleep(_: float) -> None:
        await asyncio.sleep(0)

    return WeComAPI(
        session,
        store,
        base_url=fake.base_url,
        corp_id=fake.corp_id,
        secret=fake.secret,
        metrics=Metrics(),
        sleep=no_sleep,
        **kw,
    )  # type: ignore[arg-type]


async def test_token_is_shared_between_processes(
    session: aiohttp.ClientSession, store: Store, fake: FakeWeCom
) -> None:
    a, b = client(session, store, fake), client(session, store, fake)
    await asyncio.gather(*(api.kf_service_state("wk", f"c{i}") for i, api in enumerate([a, b] * 5)))
    assert len(fake.calls_to("gettoken")) == 1


async def test_expired_token_is_refreshed_once_and_the_call_retried(
    session: aiohttp.ClientSession, store: Store, fake: FakeWeCom
) -> None:
    api = client(session, store, fake)
    await api.kf_service_state("wk", "c")
    fake.expire_tokens()
    assert await api.kf_service_state("wk", "c") == 1
    assert len(fake.calls_to("gettoken")) == 2
    fake.fail("kf/service_state/get", 40014, times=2)  # still invalid after one refresh: give up
    with pytest.raises(WeComError) as caught:
        await api.kf_service_state("wk", "c")
    assert caught.value.errcode == 40014


@pytest.mark.parametrize("errcode", [-1, 45009, 45033])
async def test_busy_and_rate_limits_are_retried(
    session: aiohttp.ClientSession, store: Store, fake: FakeWeCom, errcode: int
) -> None:
    api = client(session, store, fake)
    fake.fail("kf/send_msg", errcode, times=2)
    await api.kf_send_msg("c", "wk", "m1", {"msgtype": "text", "text": {"content": "hi"}})
    assert len(fake.calls_to("kf/send_msg")) == 3
    fake.fail("kf/send_msg", errcode, times=10)
    with pytest.raises(WeComError) as caught:
        await api.kf_send_msg("c", "wk", "m2", {"msgtype": "text", "text": {"content": "hi"}})
    assert caught.value.errcode == errcode
    assert len(fake.calls_to("kf/send_msg")) == 3 + 4  # first try + 3 retries


@pytest.mark.parametrize("errcode", [48002, 60020, 84061, 95018])
async def test_permanent_errors_raise_typed_at_once(
    session: aiohttp.ClientSession, store: Store, fake: FakeWeCom, errcode: int
) -> None:
    api = client(session, store, fake)
    fake.fail("kf/send_msg", errcode)
    with pytest.raises(WeComError) as caught:
        await api.kf_send_msg("c", "wk", "m1", {"msgtype": "text", "text": {"content": "hi"}})
    assert (caught.value.errcode, caught.value.endpoint) == (errcode, "kf/send_msg")
    assert f"injected {errcode}" in caught.value.errmsg
    assert len(fake.calls_to("kf/send_msg")) == 1


async def test_slow_answers_time_out(session: aiohttp.ClientSession, store: Store, fake: FakeWeCom) -> None:
    api = client(session, store, fake, timeout_s=0.2, retries=1)
    await api.access_token()
    fake.slow("kf/sync_msg", 1.0, times=2)
    with pytest.raises(WeComError) as caught:
        await api.kf_sync_msg("wk", "", "")
    assert caught.value.errcode == TRANSPORT_ERRCODE


async def test_secrets_never_logged(
    session: aiohttp.ClientSession, store: Store, fake: FakeWeCom, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = client(session, store, fake)
    fake.fail("kf/send_msg", -1)
    await api.kf_send_msg("c", "wk", "m1", {"msgtype": "text", "text": {"content": "私密内容"}})
    token = await api.access_token()
    for record in (r for r in caplog.records if r.name.startswith("bot")):
        text = record.getMessage()
        assert token not in text and fake.secret not in text and "私密内容" not in text


async def test_wrong_secret_is_a_clear_error(
    session: aiohttp.ClientSession, store: Store, fake: FakeWeCom
) -> None:
    api = WeComAPI(
        session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret="wrong", metrics=Metrics()
    )
    with pytest.raises(WeComError) as caught:
        await api.kf_service_state("wk", "c")
    assert caught.value.errcode == 40001 and caught.value.endpoint == "gettoken"
