"""Owner notices batched into digests under WeCom's 30/minute per member, sent through issue 8's patient
sender and outbox (exactly once where the outbox can tell); tags; the audit's retention."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses

from bot.enforcement.digest import ABOUT
from bot.enforcement.notices import MESSAGE, NOTICE_WINDOW_S, Notice, notice_key, pending_key
from bot.gateway.deadletters import DeadLetters
from bot.groups.spec import TagSpec
from bot.retention.tags import customer_tag
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import eventually
from tests.groups_kit import moderation_stack, said, sample_groups

SPEC = TagSpec(group="社群风控", name="违规")


def notice(n: int, kind: str = "notice") -> Notice:
    return Notice(f"msgaudit:m{n}:{kind}", kind, {"customer": f"顾客{n}", "group": "护肤日常1群", "rule": "contact",
                                                 "what": f"加我微信 {n}", "strike": "1", "window_days": "30"})


async def test_a_few_notices_go_alone_many_go_as_one_digest(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        clock, notifier = stack.groups.clock, stack.notifier
        for n in range(2):
            await notifier.add("anna", notice(n))
        assert await notifier.flush() == 0  # waiting for company
        clock.advance(61)
        assert await notifier.flush() == 2
        assert [m.startswith("【群聊提醒】") for m in fake.messages_to("anna")] == [True, True]
        for n in range(2, 12):
            await notifier.add("anna", notice(n))
        clock.advance(61)
        assert await notifier.flush() == 1
        digest = fake.messages_to("anna")[-1]
        assert digest.startswith("【群聊提醒汇总】最近有 10 条") and digest.count("\n· ") == 10
        assert await store.zdue(pending_key("anna"), float("inf"), 10) == []


async def test_a_long_digest_fits_one_app_message(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        for n in range(200):
            await stack.notifier.add("anna", notice(n))
        stack.groups.clock.advance(61)
        assert await stack.notifier.flush() == 1
        digest = fake.messages_to("anna")[0]
        assert len(digest.encode()) <= 2048 and "……还有" in digest and "siyu moderation log" in digest


async def test_alerts_go_at_once_and_alone_within_the_per_minute_budget(store: Store, fake: FakeWeCom) -> None:
    base = sample_groups()
    notices = base.ladder.notices.model_copy(update={"per_minute": 3})
    content = dataclasses.replace(base, ladder=base.ladder.model_copy(update={"notices": notices}))
    async with moderation_stack(store, fake, content=content) as stack:
        clock, notifier = stack.groups.clock, stack.notifier
        for n in range(4):
            await notifier.add("anna", notice(n))
        for n in range(5):
            await notifier.add("anna", notice(100 + n, "alert"))
        assert await notifier.flush() == 3  # alerts first, one each, as many as the minute allows
        assert all(m.startswith("【紧急】") for m in fake.messages_to("anna"))
        assert await notifier.flush() == 0  # budget spent: nothing more this minute
        clock.advance(60)
        assert await notifier.flush() == 3  # two alerts, then the four notices as one digest
        sent = fake.messages_to("anna")
        assert [m[:4] for m in sent[3:]] == ["【紧急】", "【紧急】", "【群聊提"]
        assert fake.dropped_messages == []


async def test_a_violation_storm_never_exceeds_wecom_limits(store: Store, fake: FakeWeCom) -> None:
    """45 customers spam anna's 3 groups within a minute, some with alerts: every notice reaches anna,
    never more than the budget a minute, and WeCom drops nothing."""
    for g in range(3):
        fake.add_group(f"wr{g}", f"护肤日常{g}群", "anna", [f"wm{n}" for n in range(45)])
    async with moderation_stack(store, fake) as stack:
        clock, mod = stack.groups.clock, stack.moderation
        await stack.groups.reconciler.sync_all()
        for n in range(45):
            text = "先转账到这个账户" if n % 9 == 0 else "加我微信"
            await mod.handle(said(f"m{n}", f"wr{n % 3}", f"wm{n}", text, clock()))
            clock.advance(1)
        for _ in range(10):
            await stack.notifier.flush()
            clock.advance(30)
        assert fake.dropped_messages == []
        minutes: dict[int, int] = {}
        for message in fake.app_messages:
            minutes[int(message["at"] // 60)] = minutes.get(int(message["at"] // 60), 0) + 1
        assert max(minutes.values()) <= 20
        texts = fake.messages_to("anna")
        alerts = [t for t in texts if t.startswith("【紧急】")]
        assert len(alerts) == 5
        covered = sum(1 for t in texts if t.startswith("【群聊提醒】")) + sum(
            int(t.split("最近有 ")[1].split(" 条")[0]) for t in texts if t.startswith("【群聊提醒汇总】"))
        assert covered == 40 and len(texts) < 20  # every notice delivered, in far fewer messages


async def test_a_busy_wecom_is_waited_out_by_the_patient_sender(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        await stack.notifier.add("anna", notice(1, "alert"))
        started = stack.groups.clock()
        fake.fail("message/send", -1, times=4)  # WeCom busy: issue 8's sender waits, then it goes once
        assert await stack.notifier.flush() == 1
        assert stack.groups.clock() > started  # the waits ran on the test's clock
        assert len(fake.messages_to("anna")) == 1 and len(fake.calls_to("message/send")) == 5
        assert await store.zdue(pending_key("anna"), float("inf"), 10) == []
        assert await stack.notifier.outbox.statuses(notice_key("msgaudit:m1:alert")) == {MESSAGE: "sent"}
        assert await DeadLetters(store).list() == []


async def test_without_an_agent_notices_are_recorded_as_undelivered(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake, agent_id=None) as stack:
        await stack.notifier.add("bob", notice(2, "alert"))
        assert await stack.notifier.flush() == 0
        assert await store.zdue(pending_key("bob"), float("inf"), 10) == []
        [record] = await stack.audit.read(days=1, limit=5, kinds={"notice_undelivered"})
        assert record["why"] == "WECOM_AGENT_ID is not set"
        assert fake.calls_to("message/send") == []


async def test_a_notice_wecom_took_is_never_sent_again(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        notifier = stack.notifier
        await notifier.add("anna", notice(1, "alert"))
        assert await notifier.flush() == 1
        await notifier.add("anna", notice(1, "alert"))  # a redelivered decision adds the same notice again
        assert await notifier.flush() == 0
        # a crash after WeCom took notice 2 and the outbox said so, before it left the waiting set
        await notifier.add("anna", notice(2, "alert"))
        await notifier.outbox.settle(notice_key("msgaudit:m2:alert"), MESSAGE, "sent")
        assert await notifier.flush() == 0
        assert await store.zdue(pending_key("anna"), float("inf"), 10) == []
        # a crash during the send of notice 3: uncertain, and message/send takes no msgid, so it goes again
        await notifier.add("anna", notice(3, "alert"))
        await notifier.outbox.mark(notice_key("msgaudit:m3:alert"), MESSAGE, "sending")
        assert await notifier.flush() == 1
        assert [t.split("加我微信 ")[1][:1] for t in fake.messages_to("anna")] == ["1", "3"]


async def test_a_refused_notice_is_dead_lettered_whole_and_not_retried(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        about = notice(7, "alert")
        await stack.notifier.add("anna", Notice(about.id, about.kind, {**about.fields, ABOUT: customer_tag("wm7")}))
        fake.fail("message/send", 81013)  # no such member, or not in the app's visible range
        assert await stack.notifier.flush() == 0
        [(_, letter)] = await DeadLetters(store).list()
        assert letter.status == "dead" and letter.endpoint == "message/send" and "81013" in letter.error
        assert letter.payload["touser"] == "anna" and "加我微信 7" in letter.payload["text"]["content"]
        assert letter.about == [customer_tag("wm7")]
        [record] = await stack.audit.read(days=1, limit=5, kinds={"notice_failed"})
        assert record["errcode"] == 81013 and record["notices"] == ["msgaudit:m7:alert"]
        assert await stack.notifier.flush() == 0 and len(fake.calls_to("message/send")) == 1


async def test_a_notice_whose_day_has_passed_is_recorded_as_expired_not_sent_late(store: Store,
                                                                                  fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        await stack.notifier.add("anna", notice(8))
        stack.groups.clock.advance(NOTICE_WINDOW_S + 120)  # nothing could be sent for a day
        assert await stack.notifier.flush() == 0
        assert fake.calls_to("message/send") == []
        [(_, letter)] = await DeadLetters(store).list()
        assert letter.status == "expired"
        assert [r["kind"] for r in await stack.audit.read(days=2, limit=5)] == ["notice_expired"]


async def test_the_loop_sends_to_each_member_beside_the_workers(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        loop = asyncio.create_task(stack.notifier.run(interval=0.01))
        try:
            await stack.notifier.add("anna", notice(1, "alert"))
            await stack.notifier.add("bob", notice(2, "alert"))
            await eventually(lambda: len(fake.app_messages) == 2)
            assert {m["touser"] for m in fake.app_messages} == {"anna", "bob"}
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop


async def test_tagging_finds_an_employee_who_has_the_customer(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        tagger = stack.tagger
        tag_id, created = await tagger.ensure(SPEC)
        assert created and (await tagger.ensure(SPEC)) == (tag_id, False)
        fake.relations["wmA"] = {"anna": set()}
        assert await tagger.tag("wmA", "anna", SPEC) == "tagged:anna"
        assert await tagger.tag("wmA", "anna", SPEC) == "already"
        fake.relations["wmB"] = {"carol": set()}
        assert await tagger.tag("wmB", "anna", SPEC) == "tagged:carol"
        assert await tagger.tag("wmC", "anna", SPEC) == "no_relation"
        fake.corp_tags.clear()  # the tag was deleted in the admin console
        fake.relations["wmD"] = {"anna": set()}
        assert await tagger.tag("wmD", "anna", SPEC) == "tagged:anna"
        new_id = fake.corp_tags[0]["tag"][0]["id"]
        assert new_id != tag_id and fake.relations["wmD"]["anna"] == {new_id}
        assert len(fake.calls_to("externalcontact/add_corp_tag")) == 2


async def test_the_audit_forgets_days_past_its_retention(store: Store, fake: FakeWeCom) -> None:
    async with moderation_stack(store, fake) as stack:
        clock, audit = stack.groups.clock, stack.audit
        await audit.record("decision", msgid="old")
        await audit.count(violations=1)
        clock.advance(50 * 86400)
        await audit.record("decision", msgid="newer")
        assert [r["msgid"] for r in await audit.read(days=100, limit=10)] == ["newer", "old"]
        clock.advance(45 * 86400)  # "old" is now 95 days old, past the 90-day retention
        await audit.record("decision", msgid="newest")
        assert [r["msgid"] for r in await audit.read(days=200, limit=10)] == ["newest", "newer"]
        assert await audit.totals(200) == {}
