"""Delivering due follow-ups within WeCom's rules, against the fake WeCom: each of the four routes, the
group-message quota, reminders, the staff member's confirmation, and app-message limits."""

from __future__ import annotations

import pytest

from bot.followups.ratelimit import MemberRateLimit
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.followups_kit import rig

DAY = 86400.0


async def test_route_1_kf_when_the_customer_wrote_within_48_hours(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmKf")
        await r.wrote_in_kf("wmKf")
        outcomes = await r.run_at_planned("wmKf")
        sent = fake.calls_to("kf/send_msg")
        assert len(sent) == 1 and sent[0]["touser"] == "wmKf" and sent[0]["open_kfid"] == "wk1"
        assert "皮肤" in sent[0]["text"]["content"]
        assert [(o.outcome, o.detail) for o in outcomes] == [("due", ""), ("sent", "kf"), ("confirmed", "kf")]
        assert fake.calls_to("externalcontact/add_msg_template") == []
        assert (await r.plan("wmKf")).step == "value"
        await r.followups.run("wmKf")  # running again sends nothing more
        assert len(fake.calls_to("kf/send_msg")) == 1


async def test_route_2_a_group_message_task_the_staff_member_confirms(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmTpl", staff="emp7")
        outcomes = await r.run_at_planned("wmTpl")
        assert [(o.outcome, o.detail) for o in outcomes] == [("due", ""), ("sent", "template")]
        task = fake.calls_to("externalcontact/add_msg_template")[0]
        assert task["chat_type"] == "single" and task["external_userid"] == ["wmTpl"] and task["sender"] == "emp7"
        assert "皮肤" in task["text"]["content"] and task["allow_select"] is False
        record = await r.records.load("wmTpl")
        assert record.template is not None and record.fields["q:202601"] == "1"
        msgid = record.template.msgid
        r.clock.now += 3600 + 1
        assert await r.followups.run("wmTpl") == []  # the staff member has not sent it yet
        fake.confirm(msgid)
        r.clock.now += 3 * 3600
        outcomes = await r.followups.run("wmTpl")
        assert [(o.outcome, o.detail) for o in outcomes] == [("confirmed", "template")]
        assert fake.calls_to("externalcontact/get_groupmsg_send_result")[-1] == {
            "msgid": msgid, "userid": "emp7", "limit": 1000}
        assert (await r.records.load("wmTpl")).template is None


async def test_a_task_never_sent_is_reminded_at_most_3_times_a_day_then_stopped(store: Store,
                                                                               fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmLazy")
        await r.run_at_planned("wmLazy")
        msgid = (await r.records.load("wmLazy")).fields["tpl"]
        for _ in range(10):  # look far more often than the schedule asks: nothing extra happens
            r.clock.now += 3 * 3600
            await r.followups.run("wmLazy")
        r.clock.now += 4 * DAY
        outcomes = await r.followups.run("wmLazy")
        task = next(iter(fake.tasks.values()))
        assert task.msgid in msgid
        reminds = [c for c in fake.calls if c.endpoint == "externalcontact/remind_groupmsg_send"]
        assert 1 <= len(reminds) <= 3
        assert task.cancelled and ("cancelled", "staff did not send it in 3 days") in [
            (o.outcome, o.detail) for o in outcomes]
        first, following = fake.calls_to("externalcontact/add_msg_template")  # the next step (value) is a new task
        assert first["text"] != following["text"] and ("sent", "template") in [(o.outcome, o.detail) for o in outcomes]


async def test_a_reply_before_the_staff_member_sends_stops_the_stale_task(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmQuick")
        await r.run_at_planned("wmQuick")
        r.clock.now += 600
        await r.wrote_in_kf("wmQuick")  # the customer wrote: the listener asks the runner to look now
        outcomes = await r.followups.run("wmQuick")
        assert next(iter(fake.tasks.values())).cancelled
        assert [(o.step, o.detail) for o in outcomes if o.outcome == "cancelled"] == [
            ("care", "customer acted before staff sent it"), ("value", "reply")]  # value now counts from the reply


async def test_route_3_when_the_monthly_quota_is_used_a_task_goes_to_the_staff_member(store: Store,
                                                                                      fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmQuota", staff="emp3")
        await r.records.write("wmQuota", {"q:202601": "31"})  # 31 group messages this month already
        outcomes = await r.run_at_planned("wmQuota")
        assert fake.calls_to("externalcontact/add_msg_template") == []
        assert [(o.outcome, o.detail) for o in outcomes] == [("due", ""), ("sent", "task")]
        message, = fake.app_messages
        member, text = message["touser"], message["text"]["content"]
        assert member == "emp3" and "wmQuota" in text and "第1天的关怀" in text and "皮肤" in text


async def test_wecom_refusing_the_customer_falls_through_to_a_task(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        fake.group_limit = 1
        fake.group_received["wmFull"] = 1  # the corp's own broadcasts used the customer's quota
        await r.added("wmFull")
        outcomes = await r.run_at_planned("wmFull")
        calls = [c for c in fake.calls if c.endpoint == "externalcontact/add_msg_template"]
        assert len(calls) == 1 and not fake.tasks  # asked, refused with 41048
        assert ("sent", "task") in [(o.outcome, o.detail) for o in outcomes]


async def test_route_4_not_deliverable_is_recorded_with_the_reason(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake, agent_id=None) as r:
        await r.wrote_in_kf("wmGone")  # a kf-only customer, no staff relation
        await r.tell("entered", "wmGone", channel="kf_ad")
        first = await r.run_at_planned("wmGone")  # day 1: still inside the 48 h window
        assert ("sent", "kf") in [(o.outcome, o.detail) for o in first]
        outcomes = await r.run_at_planned("wmGone")  # day 4-7: the window has closed
        undeliverable = [o for o in outcomes if o.outcome == "undeliverable"]
        assert len(undeliverable) == 1 and undeliverable[0].step == "value"
        assert "48 h" in undeliverable[0].detail and "no staff" in undeliverable[0].detail
        assert len(fake.calls_to("kf/send_msg")) == 1 and fake.app_messages == []
        assert (await r.plan("wmGone")).step == "offer"  # the occurrence is over; the plan goes on


async def test_kf_is_not_used_while_a_human_has_the_session(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmHuman")
        await r.wrote_in_kf("wmHuman")
        fake.service_states[("wk1", "wmHuman")] = 3
        outcomes = await r.run_at_planned("wmHuman")
        assert fake.calls_to("kf/send_msg") == []
        assert ("sent", "template") in [(o.outcome, o.detail) for o in outcomes]


async def test_tasks_to_one_staff_member_stay_within_30_a_minute(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        customers = [f"wmMany{n}" for n in range(35)]
        for customer in customers:
            await r.added(customer, staff="empBusy")
            await r.records.write(customer, {"q:202601": "31"})
            await r.followups.run(customer)
        latest = max([(await r.plan(c)).planned for c in customers])
        r.clock.now = latest  # everything is due at once
        for customer in customers:
            await r.followups.run(customer)
        assert len(fake.app_messages) == 30 and fake.dropped_messages == []
        r.clock.now += 61
        for customer in customers:
            await r.followups.run(customer)
        assert len(fake.app_messages) == 35 and fake.dropped_messages == []
        assert len({m["text"]["content"] for m in fake.app_messages}) == 35  # one task per customer, none twice


async def test_the_app_message_limit_is_a_sliding_minute_and_hour(store: Store) -> None:
    limit = MemberRateLimit(store)
    start = 1_767_225_600.0 + 59.5  # half a second before a clock minute ends
    assert [await limit.take("empA", start) for _ in range(30)] == [0.0] * 30
    retry = await limit.take("empA", start + 1)  # a new clock minute, but not 60 seconds later
    assert retry == pytest.approx(start + 60, abs=0.01)
    assert await limit.take("empB", start + 1) == 0.0  # another member has a limit of their own
    assert await limit.take("empA", start + 60) == 0.0
    now, sent = start + 60, 31
    while sent < 1000:  # 30 a minute until the hour's 1,000 are used
        now += 60
        for _ in range(min(30, 1000 - sent)):
            assert await limit.take("empA", now) == 0.0
            sent += 1
    now += 60
    assert await limit.take("empA", now) == pytest.approx(start + 3600, abs=0.01)  # the first of the hour ages out
    assert await limit.take("empA", start + 3600 + 0.01) == 0.0
