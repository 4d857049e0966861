"""WeCom errors on each follow-up endpoint, against the fake WeCom: a busy or rate-limited WeCom and an
expired token are waited out (one task, one app message, never two), a refusal for good is recorded (the
outcome and the dead letters), and a look at a task's result that fails loses nothing."""

from __future__ import annotations

from bot.followups.scheduler import Outcome
from bot.gateway.deadletters import DeadLetters
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.followups_kit import rig

TEMPLATE, APP = "externalcontact/add_msg_template", "message/send"


def _summary(outcomes: list[Outcome]) -> list[tuple[str, str]]:
    return [(o.outcome, o.detail) for o in outcomes]


async def test_a_busy_or_rate_limited_wecom_and_an_expired_token_make_one_group_message_task(
        store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmBusy", staff="emp2")
        await r.followups.run("wmBusy")
        r.clock.now = (await r.plan("wmBusy")).planned
        fake.expire_tokens()
        fake.fail(TEMPLATE, -1, times=2)
        fake.fail(TEMPLATE, 45033, times=4)  # more than the client's own retries: the sender waits it out
        outcomes = await r.followups.run("wmBusy")
        assert _summary(outcomes) == [("due", ""), ("sent", "template")]
        assert len(fake.tasks) == 1 and (await r.records.load("wmBusy")).fields["q:202601"] == "1"
        await r.followups.run("wmBusy")  # looking again creates nothing more
        assert len(fake.tasks) == 1 and await DeadLetters(store).list() == []


async def test_a_customer_who_is_no_contact_84061_is_recorded_not_deliverable(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake, agent_id=None) as r:
        await r.added("wmNoRel", staff="emp2")
        await r.followups.run("wmNoRel")
        r.clock.now = (await r.plan("wmNoRel")).planned
        fake.fail(TEMPLATE, 84061)
        outcomes = await r.followups.run("wmNoRel")
        assert ("undeliverable", "not a contact (84061)") in _summary(outcomes)
        assert fake.tasks == {} and (await r.records.load("wmNoRel")).fields.get("q:202601", "0") == "0"
        assert (await r.plan("wmNoRel")).step == "value"  # the occurrence is over, nothing is retried twice


async def test_a_task_for_staff_survives_busy_and_rate_limits_and_is_sent_once(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmTask", staff="emp5")
        await r.records.write("wmTask", {"q:202601": "31"})  # group messages used up: route 3
        await r.followups.run("wmTask")
        r.clock.now = (await r.plan("wmTask")).planned
        fake.fail(APP, -1, times=2)
        fake.fail(APP, 45033, times=4)
        outcomes = await r.followups.run("wmTask")
        assert _summary(outcomes) == [("due", ""), ("sent", "task")]
        assert len(fake.app_messages) == 1 and fake.app_messages[0]["touser"] == "emp5"
        await r.followups.run("wmTask")
        assert len(fake.app_messages) == 1


async def test_a_task_wecom_refuses_for_good_is_recorded_and_kept_in_the_dead_letters(
        store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmBad", staff="emp6")
        await r.records.write("wmBad", {"q:202601": "31"})
        await r.followups.run("wmBad")
        r.clock.now = (await r.plan("wmBad")).planned
        fake.fail(APP, 81013)  # WeCom: the member is not in the app's visible range
        outcomes = await r.followups.run("wmBad")
        undeliverable = [d for o, d in _summary(outcomes) if o == "undeliverable"]
        assert len(undeliverable) == 1 and "WeCom did not take the task" in undeliverable[0]
        letters = await DeadLetters(store).list()
        assert len(letters) == 1 and "81013" in str(letters[0])
        assert fake.app_messages == [] and (await r.plan("wmBad")).step == "value"
        await r.followups.run("wmBad")
        assert len(fake.calls_to(APP)) == 1  # refused once, never tried again for this step


async def test_a_failed_look_at_a_tasks_result_loses_nothing(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmLook", staff="emp7")
        await r.run_at_planned("wmLook")
        msgid = (await r.records.load("wmLook")).template.msgid  # type: ignore[union-attr]
        fake.confirm(msgid)
        r.clock.now += 3600 + 1
        fake.fail("externalcontact/get_groupmsg_send_result", 45033, times=10)  # past the client's retries
        assert await r.followups.run("wmLook") == []  # no answer: nothing is decided, nothing raised
        waiting = (await r.records.load("wmLook")).template
        assert waiting is not None and waiting.next_check == r.clock.now + 600
        assert fake.calls_to("externalcontact/remind_groupmsg_send") == []  # no reminder on a guess
        r.clock.now += 600
        fake.fail("externalcontact/get_groupmsg_send_result", 40003)  # refused for good: looked at again later
        assert await r.followups.run("wmLook") == []
        assert (await r.records.load("wmLook")).template is not None  # still waiting for an answer
        fake.failures.clear()
        r.clock.now += 3 * 3600
        assert ("confirmed", "template") in _summary(await r.followups.run("wmLook"))
        assert (await r.records.load("wmLook")).template is None and len(fake.tasks) == 1


async def test_a_task_whose_result_wecom_never_gives_is_stopped_without_claiming_it_was_not_sent(
        store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmDark", staff="emp7")
        await r.run_at_planned("wmDark")
        fake.fail("externalcontact/get_groupmsg_send_result", 40003, times=1000)  # never an answer
        outcomes: list[Outcome] = []
        for _ in range(12):
            r.clock.now += 8 * 3600
            outcomes += await r.followups.run("wmDark")
        cancelled = [o.detail for o in outcomes if o.outcome == "cancelled" and o.step == "care"]
        assert cancelled == ["WeCom did not say in 3 days whether staff sent it"]
        assert next(iter(fake.tasks.values())).cancelled and fake.calls_to("externalcontact/remind_groupmsg_send") == []


async def test_a_task_wecom_refuses_to_stop_is_reported_as_still_sendable(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmStuck")
        await r.run_at_planned("wmStuck")
        r.clock.now += 600
        fake.fail("externalcontact/cancel_groupmsg_send", 40003)
        await r.wrote_in_kf("wmStuck")
        outcomes = await r.followups.run("wmStuck")
        assert [o.detail for o in outcomes if o.outcome == "cancelled" and o.step == "care"] == [
            "customer acted before staff sent it; stopping the task failed (errcode 40003): staff may still send it"]
        assert not next(iter(fake.tasks.values())).cancelled
