"""A callback signed with the right Token that does not decrypt says WECOM_AES_KEY is wrong (attack14).

With a WECOM_AES_KEY that is not the app's EncodingAESKey (mistyped, or the key regenerated in the admin
console), every callback, and the URL check the console runs when the callback is saved, was logged as
`callback rejected with 400: bad padding` (now and then `declared length exceeds plaintext`): nothing told the
operator that the key was at fault. A valid signature proves the sender knows WECOM_TOKEN, so a body that then
does not decrypt was encrypted with another key: the log line says so, and names the variable.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.logging_setup import LogThrottle
from bot.protocol.crypto import CallbackCipher
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import EchoConversation, settings
from tests.log_capture import throttled_lines
from tests.wecom import CORP_ID, TOKEN, callback, event

OTHER_KEY = base64.b64encode(bytes(range(32))).decode()[:43]  # a well-formed EncodingAESKey, not the app's


@pytest.fixture
async def client(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    app = build_app(settings(fake.base_url), lambda _: EchoConversation(), store=store)
    return await aiohttp_client(app)


async def test_a_callback_encrypted_with_another_key_names_wecom_aes_key(client: TestClient) -> None:
    other = CallbackCipher(TOKEN, OTHER_KEY, CORP_ID)
    now = [0.0]
    with throttled_lines("bot.gateway.server", LogThrottle(interval_s=10, clock=lambda: now[0])) as lines:
        for token in ("T1", "T2", "T3", "T4", "T5", "T6"):
            query, body = callback(event("kf_msg_or_event", Token=token, OpenKfId="wk"), with_cipher=other)
            response = await client.post("/wecom/callback", params=query, data=body)
            assert response.status == 400
        stamp, nonce = str(int(time.time())), "42"
        echostr, signature = other.seal("echo-42", stamp, nonce)
        response = await client.get("/wecom/callback", params={"msg_signature": signature, "timestamp": stamp,
                                                                 "nonce": nonce, "echostr": echostr})
        assert response.status == 400
    assert lines and all("WECOM_AES_KEY" in line for line in lines), lines
    assert "bad padding" not in lines[0].split(":")[1]  # the reason is the key, the particulars come after

