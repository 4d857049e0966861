"""A waiting owner notice or a blacklist record in Redis that cannot be read (attack15b).

A waiting notice of another shape (an older version's, a hand edit) raised in every flush of its recipient: none
of that owner's notices went out again, the notice task failing once a second for good. A blacklist record that
was no JSON object raised in every turn of the customer (the engine reads it with the session): every message
dead-lettered. Now the notice is kept in `siyu:log:unreadable` and dropped, the rest sent; the blacklist record is
taken as blacklisted (the safe side: nothing is sold to her) with a WARNING, and the customer is answered.
"""

from __future__ import annotations

import json
import logging

import pytest

from bot.conversation import Inbound, InboundKind
from bot.enforcement import blacklist
from bot.enforcement.ladder import decision_key
from bot.enforcement.notices import Notice, pending_key
from bot.enforcement.tagging import TAG_KEY
from bot.engine.engine import Engine
from bot.groups.answers import MalformedAnswer
from bot.groups.spec import TagSpec
from bot.store.base import Store
from bot.store.unreadable import UNREADABLE_LOG
from tests.content_cache import bundled_library
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import moderation_stack, said


@pytest.mark.parametrize("bad", ["{not json", '["notice"]', '{"kind": "notice"}', '{"id": "x", "kind": "n", "fields": 5}'])
async def test_an_unreadable_waiting_notice_is_kept_and_the_rest_are_sent(
        store: Store, fake: FakeWeCom, bad: str) -> None:
    async with moderation_stack(store, fake) as stack:
        await stack.notifier.add("anna", Notice("msgaudit:m1:alert", "alert", {
            "customer": "顾客1", "group": "护肤日常1群", "rule": "contact", "what": "加我微信", "strike": "1",
            "window_days": "30"}))
        await store.zadd(pending_key("anna"), bad, stack.groups.clock() - 1)
        assert await stack.notifier.flush() == 1
        assert len(fake.messages_to("anna")) == 1
        [kept] = [json.loads(item) for item in await store.lrange(UNREADABLE_LOG, 0, -1)]
        assert kept["key"] == pending_key("anna") and kept["value"] == bad
        assert await store.zdue(pending_key("anna"), float("inf"), 10) == []


@pytest.mark.parametrize("bad", ["{truncated", "[]", '"fraud"'])
async def test_an_unreadable_blacklist_record_still_blacklists_and_the_customer_is_answered(
        store: Store, bad: str, caplog: pytest.LogCaptureFixture) -> None:
    engine = Engine(bundled_library(), store, burst_window=0)
    await store.set(blacklist.key("wmBad"), bad)
    with caplog.at_level(logging.WARNING):
        turn = await engine.respond("kf:wk1:wmBad", Inbound("e1", InboundKind.TEXT, "wmBad", text="你好",
                                                             at=1_767_232_800.0))
    assert turn.messages
    assert await blacklist.restraint(store, "wmBad") == "blacklisted: record unreadable"
    warnings = [r.getMessage() for r in caplog.records if "siyu:blacklist:" in r.getMessage()]
    assert warnings and "wmBad" not in warnings[0]  # the serve log names no customer


SPEC = TagSpec(group="社群风控", name="违规")


@pytest.mark.parametrize("bad", ["{trunc", "[]", '{"group": "社群风控", "name": "违规"}'])
async def test_an_unreadable_remembered_tag_is_kept_and_looked_up_again(store: Store, fake: FakeWeCom,
                                                                         bad: str) -> None:
    """The one key every strike's tag reads: unreadable, it failed the moderation of every violation (no notice,
    no blacklist) until an operator found it."""
    async with moderation_stack(store, fake) as stack:
        await store.set(TAG_KEY, bad)
        fake.relations["wmA"] = {"anna": set()}
        assert await stack.tagger.tag("wmA", "anna", SPEC) == "tagged:anna"
        assert [json.loads(item)["key"] for item in await store.lrange(UNREADABLE_LOG, 0, -1)] == [TAG_KEY]


@pytest.mark.parametrize("tag_group", [["社群风控"], [{"group_name": "社群风控", "tag": "违规"}],
                                       [{"group_name": "社群风控", "tag": [{"name": "违规"}]}]])
async def test_a_malformed_tag_library_is_a_clear_wecom_error(store: Store, fake: FakeWeCom,
                                                               tag_group: list[object]) -> None:
    async with moderation_stack(store, fake) as stack:
        fake.answer_raw("externalcontact/get_corp_tag_list", json.dumps({"errcode": 0, "tag_group": tag_group}))
        with pytest.raises(MalformedAnswer, match="tag_group"):
            await stack.tagger.ensure(SPEC)


@pytest.mark.parametrize("bad", ["{trunc", "[]", '{"strike": "one", "severe": false, "actions": []}'])
async def test_an_unreadable_strike_decision_is_kept_and_decided_again(store: Store, fake: FakeWeCom,
                                                                      bad: str) -> None:
    """The step stored for a message (so a redelivery repeats it): unreadable, the message failed for good, and
    its dead letter failed again on every replay."""
    fake.add_group("wrX", "日常1群", "anna", ["wmSpam"])
    async with moderation_stack(store, fake) as stack:
        await stack.groups.reconciler.reconcile("wrX")
        await store.set(decision_key("msgaudit:m1"), bad)
        now = stack.groups.clock()
        assert await stack.moderation.handle(said("m1", "wrX", "wmSpam", "加我微信", now)) == "acted"
        assert [json.loads(i)["key"] for i in await store.lrange(UNREADABLE_LOG, 0, -1)] == [
            decision_key("msgaudit:m1")]
        assert await stack.strikes.history("wmSpam") == [("msgaudit:m1", now)]
