"""Follow-up plans over time: one message a day across plans, content reloads, restarts, a crash in the
middle of a delivery — on the real engine and both store backends, with the fake clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from pathlib import Path

import pytest

from bot.engine.library import Library
from bot.followups.windows import is_quiet, local_day
from bot.store.base import Store
from bot.tools.convtest import run_tests
from bot.tools.simulator import Simulator
from tests.fake_wecom import FakeWeCom
from tests.followups_kit import LIBRARY, MORNING, ROOT, rig
from tests.gateway_kit import eventually

TWO_PLANS = """
quiet_hours: "21:00-09:00"
plans:
  hello:
    start_on: added
    steps:
      - {id: one, window: 1d-3d, say: followup.care}
  tips:
    start_on: added
    reanchor: false
    steps:
      - {id: two, window: 1d-3d, say: followup.periodic}
      - {id: three, window: 4d-6d, say: followup.tip}
"""


def content_with(tmp_path: Path, plans: str) -> Path:
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "knowledge" / "followups.yaml").write_text(plans, encoding="utf-8")
    return root


def labels(messages: list[object]) -> list[str]:
    return [getattr(m, "label", "") for m in messages]


async def test_never_more_than_one_proactive_message_a_day_across_plans(tmp_path: Path, store: Store) -> None:
    library = Library.load(content_with(tmp_path, TWO_PLANS))
    for number in range(30):  # jitter differs per customer: many schedules, one rule
        sim = Simulator(library, store=store, customer=f"wmDay{number}", start=MORNING)
        await sim.welcome()
        sent = await sim.wait(8 * 86400)
        assert sorted(labels(sent)) == ["followup.care", "followup.periodic", "followup.tip"]  # all, on their days
        days = [local_day(at, sim.engine.zone) for at in sim.followup_times]
        assert len(days) == len(set(days)) == 3, days
        assert not any(is_quiet(at, sim.engine.zone, (21 * 60, 9 * 60)) for at in sim.followup_times)


async def test_the_one_per_day_rule_as_a_conversation_test(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = content_with(tmp_path, TWO_PLANS.replace("1d-3d", "1d-34h"))  # both only on day 1, 10:00-20:00
    (root / "flows" / "tests" / "day.yaml").write_text("""
tests:
  - name: 两个计划都只能在同一天发：只发一条，另一条过了窗口就不发了
    steps:
      - event: welcome
      - wait: 1d
        expect: []
      - wait: 12h
        expect: ["~."]
        sent_between: "09:00-21:00"
""", encoding="utf-8")
    assert await run_tests(Library.load(root), root / "flows" / "tests" / "day.yaml") == 0, capsys.readouterr().out


async def test_a_step_removed_from_the_content_drops_the_plan_and_says_so(tmp_path: Path, store: Store,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    root = content_with(tmp_path, TWO_PLANS)
    library = Library.load(root)
    sim = Simulator(library, store=store, customer="wmReload", start=MORNING)
    await sim.welcome()
    assert await sim.next_followup() in ("hello.one", "tips.two")
    (root / "knowledge" / "followups.yaml").write_text(TWO_PLANS.replace(
        "      - {id: two, window: 1d-3d, say: followup.periodic}\n", ""), encoding="utf-8")
    assert library.reload()
    with caplog.at_level(logging.WARNING):
        messages = await sim.wait(10 * 86400)
    assert labels(messages) == ["followup.care"]  # hello goes on; tips lost its pending step
    assert "tips.two was removed from the content" in caplog.text
    dropped = [o for o in sim.outcomes if o.outcome == "dropped"]
    assert [(o.plan, o.step, o.detail) for o in dropped] == [("tips", "two", "step removed")]
    assert (await sim.record()).plan("tips").over  # type: ignore[union-attr]


async def test_a_restart_in_the_middle_of_a_plan_goes_on_exactly_once(store: Store) -> None:
    first = Simulator(LIBRARY, store=store, customer="wmRestart", start=MORNING)
    await first.welcome()
    assert labels(await first.wait(2 * 86400)) == ["followup.care"]
    # a new process: new engine, new runner, the same store — the plan goes on where it was
    second = Simulator(LIBRARY, store=store, customer="wmRestart", start=first.now)
    second.sequence = 100
    assert labels(await second.wait(6 * 86400)) == ["followup.tip"]
    assert labels(await first.wait(0)) == []  # the old process has nothing left to send either
    assert [o.step for o in first.outcomes + second.outcomes if o.outcome == "sent"] == ["care", "value"]


async def test_a_crash_in_the_middle_of_a_delivery_finishes_it_once(store: Store, fake: FakeWeCom) -> None:
    async with rig(store, fake) as r:
        await r.added("wmCrash")
        await r.wrote_in_kf("wmCrash")
        await r.followups.run("wmCrash")
        r.clock.now = (await r.plan("wmCrash")).planned
        fake.unique_msgids = True  # as WeCom documents: a repeated msgid is refused
        fake.hold("kf/send_msg")  # WeCom takes the message, but slowly ...
        crashed = asyncio.create_task(r.followups.run("wmCrash"))
        await eventually(lambda: fake.held > 0, within=10)
        crashed.cancel()  # ... and the process dies before it hears back
        with contextlib.suppress(asyncio.CancelledError):
            await crashed
        fake.release()
        await eventually(lambda: bool(fake.sent_msgids), within=10)
        record = await r.records.load("wmCrash")
        assert record.job is not None and record.job["step"] == "care"
        outcomes = await r.followups.run("wmCrash")  # the queue retries the event: the same msgid, refused
        assert [(o.outcome, o.detail) for o in outcomes] == [("sent", "kf"), ("confirmed", "kf")]
        assert len(fake.sent_msgids) == 1 and len(fake.delivered) == 1
        assert (await r.records.load("wmCrash")).job is None
        assert (await r.plan("wmCrash")).step == "value"


NEED_PLAN = """
plans:
  nudge:
    start_on: added
    steps:
      - {id: tip, window: 1d-2d, say: followup.tip, when: {need: ">= 3", purchased: false}}
"""


async def test_a_step_can_ask_for_a_need_score_and_no_purchase(tmp_path: Path, store: Store) -> None:
    library = Library.load(content_with(tmp_path, NEED_PLAN))
    sent: dict[str, list[str]] = {}
    for customer, said, bought in (("wmNeed", "脸上爆痘了 急", False), ("wmCalm", "在的", False),
                                   ("wmBought", "脸上爆痘了 急", True)):
        sim = Simulator(library, store=store, customer=customer, start=MORNING)
        await sim.welcome()
        await sim.say(said)  # 爆痘 (pain +1) and 急 (urgent +2): need 3
        if bought:
            await sim.purchase()
        sent[customer] = labels(await sim.wait(3 * 86400))
        if not sent[customer]:
            assert [(o.step, o.detail) for o in sim.outcomes if o.outcome == "skipped"] == [("tip", "conditions")]
    assert sent == {"wmNeed": ["followup.tip"], "wmCalm": [], "wmBought": []}
