"""Customer groups end to end: signed callbacks → the queue → the registry, msgaudit and keyword pulls,
moderation and the owner's alert, through the real app against the fake WeCom."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.app import APP_SERVICES, Services, build_app
from bot.enforcement import blacklist
from bot.group_messages.keys import KeyRing
from bot.group_service import build_group_service
from bot.groups.settings import GroupSettings, MsgAuditSettings
from bot.protocol.callback import Kind, classify
from bot.store.base import Store
from tests.fake_finance_sdk import FakeFinanceSdk, group_message
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import EchoConversation, eventually, settings
from tests.groups_kit import WordJudge, sample_groups
from tests.wecom import CORP_ID, callback, event

FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def chat_event(chat_id: str, change: str, detail: str = "", members: list[str] = (), **fields: str) -> str:  # type: ignore[assignment]
    """change_external_chat as WeCom writes it, MemChangeList with one <Item> per member."""
    items = "".join(f"<Item><![CDATA[{m}]]></Item>" for m in members)
    extra = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[{chat_id}]]></ChatId>"
            f"<ChangeType><![CDATA[{change}]]></ChangeType><UpdateDetail><![CDATA[{detail}]]></UpdateDetail>"
            f"<MemChangeCnt>{len(members)}</MemChangeCnt><MemChangeList>{items}</MemChangeList>{extra}</xml>")


async def until(check: Callable[[], Awaitable[bool]], within: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def post(client: TestClient, plaintext: str) -> int:
    query, body = callback(plaintext)
    return (await client.post("/wecom/callback", params=query, data=body)).status


async def test_group_callbacks_flow_to_the_registry_and_moderation(fake: FakeWeCom, store: Store,
                                                                   aiohttp_client: Any) -> None:
    sdk = FakeFinanceSdk({1: KEY.public_key()})
    base = settings(fake.base_url)
    msgaudit = MsgAuditSettings(Path("/unused.so"), "secret", KeyRing({1: KEY}))
    the_settings = type(base)(**{**base.__dict__, "groups": GroupSettings(sync_hours=0, msgaudit=msgaudit)})
    echo = EchoConversation()

    def factory(services: Services) -> EchoConversation:
        assert services.api is not None and services.sender is not None
        services.groups = build_group_service(services.store, services.api, services.sender, services.queue,
                                              services.metrics, the_settings, sample_groups, judge=WordJudge(),
                                              sdk=sdk)
        return echo

    app = build_app(the_settings, factory, store=store, worker_options=FAST)
    client = await aiohttp_client(app)
    groups = client.app[APP_SERVICES].groups
    assert groups is not None

    fake.add_group("wrA", "护肤日常1群", "anna", ["wmOld"])
    assert await post(client, chat_event("wrA", "create")) == 200
    await eventually(lambda: bool(fake.calls_to("externalcontact/groupchat/get")))
    await until(lambda: _known(groups.registry, "wrA"))
    group = await groups.registry.get("wrA")
    assert group is not None and group.type == "daily"

    last, current = fake.change_members("wrA", add=["wmSpam"])
    assert await post(client, chat_event("wrA", "update", "add_member", ["wmSpam"], JoinScene="3",
                                         LastMemVer=last, CurMemVer=current)) == 200

    async def has_member() -> bool:
        return "wmSpam" in await groups.registry.members("wrA")

    await until(has_member)
    assert len(fake.calls_to("externalcontact/groupchat/get")) == 1  # the event applied without a fetch

    sdk.add(group_message("m1", "wrA", "wmSpam", "先转账到这个账户"))
    notify = event("msgaudit_notify", AgentID="1000002")
    assert await post(client, notify) == 200
    assert await post(client, notify) == 200  # WeCom's retry of the same notification: deduplicated
    await eventually(lambda: bool(fake.messages_to("anna")))
    assert fake.messages_to("anna")[0].startswith("【紧急】")
    assert await blacklist.restraint(store, "wmSpam") is not None
    assert len(sdk.calls) == 2  # one pull (a batch, then the empty answer that ends it)

    fake.add_hit("h1", "wrA", "wmOld", "rule-unknown")
    assert await post(client, event("hit_keyword", Token=fake.issue_hit_token())) == 200

    async def decided() -> list[dict[str, Any]]:
        return await groups.audit.read(days=1, limit=10, kinds={"decision"})

    async def both() -> bool:
        return len(await decided()) == 2

    await until(both)
    assert [d["source"] for d in await decided()] == ["keyword", "msgaudit"]


async def test_group_change_for_a_group_wecom_will_not_show_is_recorded_once(fake: FakeWeCom, store: Store,
                                                                             aiohttp_client: Any) -> None:
    app = build_app(settings(fake.base_url), lambda _: EchoConversation(), store=store, worker_options=FAST)
    client = await aiohttp_client(app)
    assert await post(client, chat_event("wrHidden", "create")) == 200
    groups = client.app[APP_SERVICES].groups
    assert groups is not None
    async def recorded() -> bool:
        return bool(await groups.audit.read(days=1, limit=1))

    await until(recorded)
    [record] = await groups.audit.read(days=1, limit=5)
    assert record["kind"] == "group_change_failed" and record["errcode"] == 40050
    assert len(fake.calls_to("externalcontact/groupchat/get")) == 1  # not retried: it cannot succeed


async def _known(registry: Any, chat_id: str) -> bool:
    return await registry.get(chat_id) is not None


def test_new_callbacks_are_classified_and_deduplicated() -> None:
    notify = classify(event("msgaudit_notify", AgentID="1000002", CreateTime=1700000000))
    assert notify.kind is Kind.MSGAUDIT and notify.conversation == "msgaudit"
    assert classify(event("msgaudit_notify", AgentID="1000002", CreateTime=1700000000)).dedup_key == notify.dedup_key
    hit = classify(event("hit_keyword", Token="TOKEN1"))
    assert (hit.kind, hit.dedup_key, hit.fields["Token"]) == (Kind.HIT_KEYWORD, "hitkw:TOKEN1", "TOKEN1")
    suite_form = classify("<xml><SuiteId><![CDATA[s]]></SuiteId><AuthCorpId><![CDATA[c]]></AuthCorpId>"
                          "<InfoType><![CDATA[hit_keyword]]></InfoType><Token><![CDATA[TOKEN2]]></Token>"
                          "<TimeStamp>1403610513</TimeStamp></xml>")
    assert (suite_form.kind, suite_form.dedup_key) == (Kind.HIT_KEYWORD, "hitkw:TOKEN2")
    chat = classify(chat_event("wrA", "update", "del_member", ["wmA", "wmB"], QuitScene="1"))
    assert chat.kind is Kind.EXTERNAL_CHAT and chat.fields["MemChangeList"] == "wmA,wmB"
    assert json.dumps(chat.fields)  # queued as JSON
