"""Callbacks whose fields are missing or garbled still do what they can, against the real app: a time that is
not a number is taken as the time the callback arrived, never a handler failure that dead-letters the event
(and loses the churn, the relation or the welcome it carried)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.gateway.contacts import CHURN_LOG
from bot.gateway.deadletters import DeadLetters
from bot.gateway.eventlog import UNKNOWN_LOG
from bot.profile.store import Profiles
from bot.store.base import Store
from bot.wiring import make_conversation_factory
from tests.fake_wecom import FakeWeCom
from tests.followups_kit import ROOT
from tests.gateway_kit import eventually, settings
from tests.wecom import callback, event, text_message

FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}


@pytest.fixture
async def client(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    factory = make_conversation_factory(ROOT, burst_window=0, hot_reload=False)
    app = build_app(settings(fake.base_url), factory, store=store, worker_options=FAST)
    return await aiohttp_client(app)


async def post(client: TestClient, plaintext: str) -> int:
    query, body = callback(plaintext)
    return (await client.post("/wecom/callback", params=query, data=body)).status


async def test_a_create_time_that_is_not_a_number_loses_neither_churn_nor_welcome(
        client: TestClient, store: Store, fake: FakeWeCom) -> None:
    added = event("change_external_contact", ChangeType="add_external_contact", UserID="emp1",
                  ExternalUserID="wmOdd", WelcomeCode="WODD", CreateTime="soon")
    gone = event("change_external_contact", ChangeType="del_follow_user", UserID="emp1", ExternalUserID="wmOdd",
                 CreateTime="abc")
    assert await post(client, added) == 200
    await eventually(lambda: len(fake.calls_to("externalcontact/send_welcome_msg")) == 1)
    assert await post(client, gone) == 200

    churned: list[str] = []

    async def recorded() -> bool:
        churned[:] = await store.lrange(CHURN_LOG, 0, -1)
        return bool(churned) and (await Profiles(store).load("wmOdd")).churned_at > 0

    for _ in range(300):
        if await recorded():
            break
        await asyncio.sleep(0.02)
    assert await recorded()
    assert len(churned) == 1
    assert (await Profiles(store).load("wmOdd")).staff == {}
    assert await DeadLetters(store).list() == []


async def test_a_contact_change_without_a_customer_is_kept_for_the_operator_not_recorded_as_customer_nobody(
        client: TestClient, store: Store, fake: FakeWeCom) -> None:
    for change in ("del_follow_user", "add_external_contact"):
        assert await post(client, event("change_external_contact", ChangeType=change, UserID="emp1",
                                        WelcomeCode="WNONE", CreateTime="1767225600")) == 200

    async def kept() -> bool:
        return len(await store.lrange(UNKNOWN_LOG, 0, -1)) == 2

    for _ in range(300):
        if await kept():
            break
        await asyncio.sleep(0.02)
    assert await kept()
    assert "no ExternalUserID" in (await store.lrange(UNKNOWN_LOG, 0, -1))[0]
    assert await store.lrange(CHURN_LOG, 0, -1) == [] and fake.calls_to("externalcontact/send_welcome_msg") == []
    assert await store.get(Profiles.key("")) is None and await DeadLetters(store).list() == []


async def test_a_member_message_without_a_sender_is_refused_and_one_with_a_garbled_time_is_answered(
        client: TestClient, store: Store, fake: FakeWeCom) -> None:
    # without FromUserName the answer went to touser "": WeCom refuses it, and retries ended in a dead letter
    for sender in ("", "<FromUserName></FromUserName>", "<FromUserName><![CDATA[ ]]></FromUserName>"):
        plaintext = (f"<xml><ToUserName>ww1</ToUserName>{sender}<CreateTime>1767225600</CreateTime>"
                     "<MsgType>text</MsgType><Content>在吗</Content><MsgId>70001</MsgId><AgentID>1000002</AgentID></xml>")
        query, body = callback(plaintext)
        response = await client.post("/wecom/callback", params=query, data=body)
        assert (response.status, await response.text()) == (400, "malformed XML: no <FromUserName>")
    # a CreateTime that is not a number is taken as the time the callback arrived, as for contact events
    assert await post(client, text_message("zhangsan", "在吗", "70002", created="abc")) == 200  # type: ignore[arg-type]
    await eventually(lambda: len(fake.calls_to("message/send")) == 1)
    assert fake.calls_to("message/send")[0]["touser"] == "zhangsan"
    assert await DeadLetters(store).list() == []


async def test_kf_messages_and_events_with_a_garbled_send_time_are_still_answered_and_recorded(
        client: TestClient, store: Store, fake: FakeWeCom) -> None:
    fake.add_kf_message("wkOdd", "wmKf", "你好", send_time="yesterday")  # type: ignore[arg-type]
    fake.add_kf_event("wkOdd", {"event_type": "msg_send_fail", "external_userid": "wmKf", "fail_msgid": "m0",
                                "fail_type": 13}, send_time="?")  # type: ignore[arg-type]
    assert await post(client, event("kf_msg_or_event", Token="TODD", OpenKfId="wkOdd")) == 200
    await eventually(lambda: len(fake.calls_to("kf/send_msg")) >= 1)

    async def failure_logged() -> bool:
        return len(await store.lrange("siyu:log:kf_send_fail", 0, -1)) == 1

    for _ in range(300):
        if await failure_logged():
            break
        await asyncio.sleep(0.02)
    assert await failure_logged()
    assert await DeadLetters(store).list() == []
