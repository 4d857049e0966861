"""WeCom (or a proxy before it) answering something that is not a WeCom answer (attack15).

An empty 200 body (aiohttp reads it as None), JSON that is no object (`null`, `[]`, `"ok"`), an errcode that is
no number, or a gettoken answer without `access_token` escaped the client as AttributeError, TypeError,
ValueError or KeyError instead of WeComError: callers that handle WeComError (the sender's retries and its
"may have gone through" resend with the same msgid, the kf pull's retries) did not see them, so a send was
failed as a crash of its event. They are now a transport failure (TRANSPORT_ERRCODE): retried like no answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.metrics import Metrics
from bot.protocol.api import TRANSPORT_ERRCODE, WeComAPI, WeComError
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom

NOT_ANSWERS = ["", "null", "[]", '"ok"', "123", '{"errcode": "busy"}', '{"errcode": null}',
               "<html><body>502 Bad Gateway</body></html>", "[" * 5000 + "]" * 5000]


@pytest.fixture
async def api(fake: FakeWeCom, store: Store) -> AsyncIterator[WeComAPI]:
    async def no_sleep(_: float) -> None:
        await asyncio.sleep(0)

    async with aiohttp.ClientSession() as session:
        yield WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=Metrics(), sleep=no_sleep)


@pytest.mark.parametrize("body", NOT_ANSWERS)
async def test_a_send_answered_with_no_wecom_answer_is_a_transport_failure(
        api: WeComAPI, fake: FakeWeCom, body: str) -> None:
    await api.access_token()
    fake.answer_raw("kf/send_msg", body)
    with pytest.raises(WeComError) as caught:
        await api.call("kf/send_msg", {"touser": "wm", "open_kfid": "wk", "msgid": "m1"}, retry=False)
    assert caught.value.errcode == TRANSPORT_ERRCODE


@pytest.mark.parametrize("body", NOT_ANSWERS)
async def test_the_client_retries_past_a_non_answer(api: WeComAPI, fake: FakeWeCom, body: str) -> None:
    fake.answer_raw("kf/service_state/get", body)
    assert await api.kf_service_state("wk", "wm") == 1


@pytest.mark.parametrize("body", ['{"errcode": 0}', '{"errcode": 0, "access_token": "T", "expires_in": "soon"}',
                                  "", "<html>oops</html>"])
async def test_a_gettoken_answer_without_a_usable_token_is_a_wecom_error(
        api: WeComAPI, fake: FakeWeCom, body: str) -> None:
    fake.answer_raw("gettoken", body, times=10)
    with pytest.raises(WeComError) as caught:
        await api.access_token()
    assert caught.value.endpoint == "gettoken"


@pytest.mark.parametrize("body", ['{"errcode": 0, "service_state": "busy"}', '{"errcode": 0, "service_state": null}',
                                  '{"errcode": 0, "service_state": [3]}'])
async def test_a_service_state_that_is_no_number_is_a_wecom_error(api: WeComAPI, fake: FakeWeCom, body: str) -> None:
    """It escaped as ValueError/TypeError past kf.service_state's WeComError handling: the customer's message
    failed four times and was dead-lettered instead of being answered (the send itself tells a human's session)."""
    await api.access_token()
    fake.answer_raw("kf/service_state/get", body, times=10)
    with pytest.raises(WeComError):
        await api.kf_service_state("wk", "wm")
