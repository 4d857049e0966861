"""groupchat/get and groupchat/list answers the registry cannot use, and group callbacks it cannot act on (attack15b).

A member list that was no list, an item that was no object, a type that was no number: AttributeError/ValueError/
TypeError out of the registry — a group change dead-lettered with a bare Python message, and one such group
stopped the whole periodic reconcile for good (it caught only WeComError). An answer without `group_chat` or with
`member_list: null` was applied as a group with no name, owner or members: every member counted as leaving. A
change naming no ChatId was dropped with a log line only. 60011 (the owner outside the app's visible range: the
operator's to fix) was recorded as a group WeCom will not show and the change dropped for good.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from bot.app import APP_SERVICES, build_app
from bot.gateway.deadletters import DeadLetters
from bot.gateway.eventlog import UNKNOWN_LOG
from bot.gateway.queue import Queue
from bot.group_messages.hit_keyword import CURSOR_KEY, HitKeywordSource
from bot.group_messages.msgaudit import UNDECRYPTABLE_LOG, MsgAuditSource
from bot.group_messages.observed import Observed
from bot.groups.answers import MalformedAnswer
from bot.store.base import Store
from bot.store.unreadable import UNREADABLE_LOG
from tests.fake_finance_sdk import group_message
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import EchoConversation, settings
from tests.groups_kit import group_stack, member_event
from tests.test_group_sources import Recorder, customer_groups_only, fake_sdk, ring
from tests.wecom import callback, event

GET = "externalcontact/groupchat/get"
OWNER = {"userid": "anna", "type": 1, "join_time": 1, "join_scene": 1}


def answer(**group: Any) -> str:
    base = {"chat_id": "wrX", "name": "日常1群", "owner": "anna", "create_time": 1, "member_version": "v9",
            "member_list": [OWNER, {"userid": "wmA", "type": 2}], "admin_list": []}
    return json.dumps({"errcode": 0, "errmsg": "ok", "group_chat": {**base, **group}})


UNUSABLE = {
    "no group_chat": json.dumps({"errcode": 0, "errmsg": "ok"}),
    "group_chat a string": json.dumps({"errcode": 0, "group_chat": "wrX"}),
    "group_chat a list": json.dumps({"errcode": 0, "group_chat": []}),
    "member_list null": answer(member_list=None),
    "member_list empty": answer(member_list=[]),
    "member_list a string": answer(member_list="anna,wmA"),
    "member_list an object": answer(member_list={"anna": 1}),
    "a member that is a string": answer(member_list=[OWNER, "wmA"]),
    "a member that is null": answer(member_list=[OWNER, None]),
    "a member without userid": answer(member_list=[OWNER, {"type": 2}]),
}


@pytest.mark.parametrize("body", UNUSABLE.values(), ids=UNUSABLE.keys())
async def test_an_unusable_group_answer_is_a_clear_wecom_error_and_changes_nothing(
        store: Store, fake: FakeWeCom, body: str) -> None:
    fake.add_group("wrX", "日常1群", "anna", ["wmA", "wmB"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.reconcile("wrX")
        before = await stack.registry.members("wrX")
        fake.answer_raw(GET, body, times=5)
        with pytest.raises(MalformedAnswer) as caught:
            await stack.events.handle({"ChatId": "wrX", "ChangeType": "update", "UpdateDetail": "change_name",
                                       "CreateTime": "1700000100"})
        assert "malformed answer" in str(caught.value) and "wrX" in str(caught.value)
        assert await stack.registry.members("wrX") == before  # nobody counted as leaving
        assert (await stack.registry.get("wrX")).owner == "anna"  # type: ignore[union-attr]


LENIENT = {
    "type a word": answer(member_list=[OWNER, {"userid": "wmA", "type": "external"}]),
    "join_time a word": answer(member_list=[OWNER, {"userid": "wmA", "type": 2, "join_time": "yesterday"}]),
    "join_scene a list": answer(member_list=[OWNER, {"userid": "wmA", "type": 2, "join_scene": [3]}]),
    "admins as bare ids": answer(admin_list=["anna"]),
    "admin_list a string": answer(admin_list="anna"),
}


@pytest.mark.parametrize("body", LENIENT.values(), ids=LENIENT.keys())
async def test_a_field_the_registry_can_do_without_takes_its_default_with_one_warning(
        store: Store, fake: FakeWeCom, body: str, caplog: pytest.LogCaptureFixture) -> None:
    async with group_stack(store, fake) as stack:
        fake.answer_raw(GET, body)
        with caplog.at_level(logging.WARNING, logger="bot.groups.answers"):
            assert await stack.events.handle({"ChatId": "wrX", "ChangeType": "create", "CreateTime": "1"}) == "created"
        members = await stack.registry.members("wrX")
        assert set(members) == {"anna", "wmA"} and members["wmA"].type == 2
        assert len([r for r in caplog.records if r.name == "bot.groups.answers"]) == 1


async def test_one_unusable_group_does_not_stop_the_full_reconcile(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrBad", "日常1群", "anna", ["wmA"])
    fake.add_group("wrGood", "日常2群", "anna", ["wmB"])
    async with group_stack(store, fake) as stack:
        fake.answer_raw(GET, answer(member_list=[OWNER, "wmA"]))  # the first groupchat/get of the sync
        report = await stack.reconciler.sync_all(concurrency=1)
        assert len(report.failed) == 1 and report.reconciled == 1  # before: the sync raised AttributeError
        [failed] = report.failed
        assert "malformed answer" in report.failed[failed]
        assert await stack.registry.get("wrGood" if failed == "wrBad" else "wrBad") is not None


@pytest.mark.parametrize("page", [{"errcode": 0, "group_chat_list": [{"status": 0}, {"chat_id": "wrKeep", "status": "x"}]},
                                  {"errcode": 0}, {"errcode": 0, "group_chat_list": None}])  # no list: review15
async def test_a_listing_page_without_chat_ids_is_refused_and_marks_nothing_dismissed(
        store: Store, fake: FakeWeCom, page: dict[str, Any]) -> None:
    fake.add_group("wrKeep", "日常1群", "anna", ["wmA"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        fake.answer_raw("externalcontact/groupchat/list", json.dumps(page))
        with pytest.raises(MalformedAnswer):
            await stack.reconciler.sync_all()
        assert (await stack.registry.get("wrKeep")).status == "live"  # type: ignore[union-attr]


async def _serve(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> Any:
    app = build_app(settings(fake.base_url), lambda _: EchoConversation(), store=store,
                    worker_options={"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01})
    return await aiohttp_client(app)


async def _until(check: Any, within: float = 8.0) -> None:
    for _ in range(int(within / 0.02)):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")


@pytest.mark.parametrize("refusal", ["unusable", "60011"])
async def test_a_group_change_wecom_answers_badly_is_dead_lettered_for_a_replay(
        fake: FakeWeCom, store: Store, aiohttp_client: Any, refusal: str) -> None:
    fake.add_group("wrLate", "日常新群", "anna", ["wmA"])
    if refusal == "unusable":
        fake.answer_raw(GET, json.dumps({"errcode": 0, "group_chat": {"chat_id": "wrLate", "member_list": None}}),
                        times=20)
    else:
        fake.fail(GET, 60011, times=20)
    client = await _serve(fake, store, aiohttp_client)
    query, body = callback(event("change_external_chat", ChatId="wrLate", ChangeType="create"))
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200
    letters = DeadLetters(store)
    await _until(lambda: _dead(letters))
    [(_, letter)] = await letters.list()
    assert letter.fields and "wrLate" in json.dumps(letter.fields)
    groups = client.app[APP_SERVICES].groups
    assert await groups.audit.read(days=1, limit=5) == []  # not recorded as a group WeCom will not show


async def _dead(letters: DeadLetters) -> bool:
    return bool(await letters.list())


async def test_a_group_change_without_chat_id_is_kept_for_the_operator(store: Store, fake: FakeWeCom) -> None:
    async with group_stack(store, fake) as stack:
        data = member_event("", "add_member", ["wmA"], "v1", "v2", created=1_700_000_000)
        assert await stack.events.handle(data) == "ignored"
        [kept] = [json.loads(item) for item in await store.lrange(UNKNOWN_LOG, 0, -1)]
        assert kept["kind"] == "external_chat" and kept["why"] == "no ChatId"


BAD_HITS = {
    "no object": "h-bad",
    "sender type a word": {"msgid": "h-bad", "msg_detail": {"sender": {"type": "staff", "id": "wmX"},
                                                            "chatid": "wrC", "send_time": 1},
                           "hit_rule_list": [{"rule_id": "r"}]},
    "send_time a word": {"msgid": "h-bad", "msg_detail": {"sender": {"type": 2, "id": "wmX"}, "chatid": "wrC",
                                                          "send_time": "today"}, "hit_rule_list": [{"rule_id": "r"}]},
    "a rule that is a string": {"msgid": "h-bad", "msg_detail": {"sender": {"type": 2, "id": "wmX"},
                                                                 "chatid": "wrC", "send_time": 1},
                                "hit_rule_list": ["r"]},
}


@pytest.mark.parametrize("bad", BAD_HITS.values(), ids=BAD_HITS.keys())
async def test_a_keyword_hit_that_cannot_be_read_is_kept_and_the_pull_goes_past_it(
        store: Store, fake: FakeWeCom, bad: Any) -> None:
    """It failed the pull at the same place every time: the cursor stayed before it, so every later hit was never
    read and keyword moderation was silent for good."""
    fake.add_hit("h1", "wrC", "wmA", "rule-ad")
    fake.hit_log.append(bad)
    fake.add_hit("h3", "wrC", "wmB", "rule-ad")
    async with group_stack(store, fake) as stack:
        seen: list[str] = []

        async def sink(observed: Observed) -> bool:
            seen.append(observed.msgid)
            return True

        assert await HitKeywordSource(stack.groups_api, store, sink).pull("") == 2
        assert seen == ["h1", "h3"] and await store.get(CURSOR_KEY) == "3"
        [kept] = [json.loads(item) for item in await store.lrange(UNREADABLE_LOG, 0, -1)]
        assert kept["key"] == "wecom:chatdata/keyword/get_hit_msg_list" and "h-bad" in kept["value"]


BAD_ARCHIVED = {
    "msgtime a word": {"msgid": "m-bad", "action": "send", "from": "wmX", "roomid": "wrCustomer1",
                       "msgtime": "today", "msgtype": "text", "text": {"content": "hi"}},
    "mixed content no JSON": {"msgid": "m-bad", "action": "send", "from": "wmX", "roomid": "wrCustomer1",
                              "msgtime": 1, "msgtype": "mixed",
                              "mixed": {"item": [{"type": "text", "content": "{not json"}]}},
    "news items no objects": {"msgid": "m-bad", "action": "send", "from": "wmX", "roomid": "wrCustomer1",
                              "msgtime": 1, "msgtype": "news", "news": {"info": {"item": ["x"]}}},
}


@pytest.mark.parametrize("bad", BAD_ARCHIVED.values(), ids=BAD_ARCHIVED.keys())
async def test_an_archived_message_that_cannot_be_read_is_recorded_and_the_pull_goes_past_it(
        store: Store, bad: dict[str, Any]) -> None:
    """It failed the pull at its seq every time (before the seq was stored): msgaudit moderation stalled for good."""
    sdk = fake_sdk()
    sdk.add(group_message("m1", "wrCustomer1", "wmA", "加我微信"))
    sdk.add(bad)
    sdk.add(group_message("m3", "wrCustomer1", "wmB", "刷单"))
    queue = Queue(store)
    await queue.setup()
    sink = Recorder(queue)
    report = await MsgAuditSource(sdk, ring(1), store, sink, customer_groups_only).pull_report()
    assert [o.msgid for o in sink.seen] == ["m1", "m3"] and report.seq == 3 and report.undecryptable == 1
    [kept] = [json.loads(item) for item in await store.lrange(UNDECRYPTABLE_LOG, 0, -1)]
    assert kept["msgid"] == "m-bad" and "hi" not in json.dumps(kept)  # ids and why, never the text


async def test_odd_group_callbacks_fetch_the_group_and_count_nothing_twice(store: Store, fake: FakeWeCom) -> None:
    """Held (attack15b): an UpdateDetail or ChangeType WeCom may add later fetches the group; a JoinScene or
    MemChangeCnt that is no number is read as 0; a redelivered change is a duplicate."""
    fake.add_group("wrX", "日常1群", "anna", ["wmA"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.reconcile("wrX")
        base = {"ChatId": "wrX", "CreateTime": str(int(stack.clock()) + 5)}
        assert await stack.events.handle({**base, "ChangeType": "update", "UpdateDetail": "change_avatar"}) == (
            "reconciled:change_avatar")
        assert await stack.events.handle({**base, "ChangeType": "archive"}) == "reconciled"
        last, current = fake.change_members("wrX", add=["wmB"])
        added = {**member_event("wrX", "add_member", ["wmB"], last, current, created=stack.clock() + 10),
                 "JoinScene": "qr", "MemChangeCnt": "many"}
        assert await stack.events.handle(added) == "applied"
        assert await stack.events.handle(added) == "duplicate"
        assert (await stack.stats.for_group("wrX"))["joins"] == 1
