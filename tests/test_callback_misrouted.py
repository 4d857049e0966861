"""A WeCom callback that comes to a path siyu serve does not answer is said in the log (attack14).

A callback URL saved in the admin console with a typo (`/callback`, `/wecom/callback/`, `/wecom/Callback`) got
404 for the console's URL check and for every callback, and the serve log said nothing at all (aiohttp's
access log is turned down): the operator saw only the console's 回调URL校验失败. A request carrying WeCom's
msg_signature that finds no route is now a warning naming the path siyu serve answers.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import EchoConversation, settings
from tests.wecom import callback, cipher, event


@pytest.fixture
async def client(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    return await aiohttp_client(build_app(settings(fake.base_url), lambda _: EchoConversation(), store=store))


async def test_a_callback_to_a_mistyped_path_is_said_in_the_log(client: TestClient,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    stamp, nonce = str(int(time.time())), "7"
    echostr, signature = cipher().seal("echo-7", stamp, nonce)
    check = {"msg_signature": signature, "timestamp": stamp, "nonce": nonce, "echostr": echostr}
    with caplog.at_level(logging.WARNING, logger="bot.gateway.server"):
        assert (await client.get("/callback", params=check)).status == 404
        query, body = callback(event("kf_msg_or_event", Token="T1", OpenKfId="wk"))
        assert (await client.post("/wecom/callback/", params=query, data=body)).status == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.gateway.server"]
    assert lines and all("/wecom/callback" in line and "WeCom" in line for line in lines), lines
    assert "'/callback'" in lines[0]


async def test_other_requests_for_unknown_paths_stay_quiet(client: TestClient,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.gateway.server"):
        assert (await client.get("/wp-login.php")).status == 404
    assert [r for r in caplog.records if r.name == "bot.gateway.server"] == []
