"""The dialogue engine on the bundled content, against a real store (both backends)."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest

from bot.conversation import Inbound, InboundKind
from bot.engine.engine import NEAR_MISSES, Engine
from bot.engine.library import Library
from bot.store.base import Store
from bot.timers import Timers
from bot.tools.convtest import run_tests, uncovered
from bot.tools.simulator import Simulator
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parent.parent
MORNING = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai
LIBRARY = bundled_library()


def labels(messages: list[object]) -> list[str]:
    return [getattr(m, "label", "") for m in messages]


async def test_bundled_conversation_tests_pass_and_cover_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    assert await run_tests(LIBRARY, ROOT / "flows" / "tests", coverage=True) == 0
    out = capsys.readouterr().out
    assert "0 失败" in out
    assert uncovered(LIBRARY, set()) != []  # the coverage check can fail


async def test_a_redelivered_event_gets_the_same_turn_and_changes_nothing(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    welcome = Inbound("ev/1", InboundKind.ENTER_SESSION, "wmA", at=MORNING)
    first = await engine.respond("kf:wk:wmA", welcome)
    again = await engine.respond("kf:wk:wmA", welcome)
    assert first == again and first.messages
    yes = Inbound("ev/2", InboundKind.TEXT, "wmA", text="好", at=MORNING + 5)
    turn = await engine.respond("kf:wk:wmA", yes)
    session = await engine.sessions.load("kf:wk:wmA")
    assert (await engine.respond("kf:wk:wmA", yes)) == turn
    assert (await engine.sessions.load("kf:wk:wmA")).turns == session.turns == 2


async def test_a_burst_of_short_messages_is_answered_once(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING, burst_window=2.0)
    assert await sim.send(InboundKind.TEXT, "你好") == []
    sim.now += 0.8
    assert await sim.send(InboundKind.TEXT, "包邮吗") == []
    sim.now += 0.7
    assert await sim.send(InboundKind.TEXT, "？") == []
    assert len(await Timers(store).due(MORNING + 3600)) == 1  # each message replaced the settle timer
    assert await sim.wait(1.0) == []  # 1.0 s after the last message: still typing
    replies = await sim.wait(1.5)
    assert labels(replies) == ["faq:shipping_fee"]
    assert await sim.wait(60) == []


async def test_a_burst_ended_by_a_picture_is_still_answered(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING, burst_window=2.0)
    assert await sim.send(InboundKind.TEXT, "包邮吗") == []
    replies = await sim.send(InboundKind.IMAGE)
    assert labels(replies) == ["faq:shipping_fee", "non_text"]
    assert await sim.wait(60) == []


@pytest.fixture(scope="module")
def silent_library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The bundled content with a silence rule in welcome.invite: one gentle word after a day of silence."""
    root = tmp_path_factory.mktemp("silence")
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, root / folder)
    flow = root / "flows" / "welcome.yaml"
    text = flow.read_text(encoding="utf-8")
    flow.write_text(text.replace("      - intent: deny\n", "      - silence: 1d\n        say: welcome.later\n"
                                 "        end: true\n      - intent: deny\n", 1), encoding="utf-8")
    return Library.load(root)


async def test_silence_timer_is_durable_and_cancelled_when_the_customer_writes(store: Store,
                                                                               silent_library: Library) -> None:
    sim = Simulator(silent_library, store=store, start=MORNING)
    await sim.send(InboundKind.ENTER_SESSION)
    assert len(await Timers(store).due(MORNING + 2 * 86400)) == 1
    # a "restart": a new engine on the same store still fires it
    restarted = Simulator(silent_library, store=store, start=MORNING)
    restarted.sequence = 100
    assert labels(await restarted.wait(86400 + 1)) == ["welcome.later"]

    other = Simulator(silent_library, store=store, start=MORNING, customer="wmOther")
    await other.send(InboundKind.ENTER_SESSION)
    await other.wait(12 * 3600)
    await other.say("包邮吗")  # the customer wrote: the silence counts again from now
    assert await other.wait(12 * 3600 + 1) == []  # when the first check-in was due
    assert labels(await other.wait(12 * 3600)) == ["welcome.later"]
    assert await other.wait(3 * 86400) == []  # one gentle word, never more


async def test_bad_input_gets_a_fitting_reply_or_silence_never_a_crash(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    cases = {"": ["empty"], "😀🎉🌸": ["empty"], "？？！…": ["empty"], "\x00\x07\u200b": ["empty"]}
    for text, expected in cases.items():
        assert labels(await sim.say(text)) == expected, text
    long_text = "我想问一下发什么快递" * 500
    assert len(long_text) == 5000
    assert len(await sim.say(long_text)) >= 1
    mixed = await sim.say("hello 请问 shipping 包邮吗 thanks")
    assert labels(mixed) == ["faq:shipping_fee"]
    for kind in (InboundKind.IMAGE, InboundKind.VOICE, InboundKind.VIDEO, InboundKind.FILE, InboundKind.LINK):
        assert labels(await sim.send(kind)) == ["non_text"], kind
    assert await sim.send(InboundKind.STICKER) == []


async def test_never_the_same_variant_twice_in_a_row(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING + 4 * 3600)  # 14:00: plain greeting
    said = [(await sim.say("谢谢"))[0].text for _ in range(12)]
    assert all(a != b for a, b in itertools.pairwise(said))
    assert len(set(said)) == 2


async def test_greetings_follow_the_time_of_day(store: Store) -> None:
    morning = Simulator(LIBRARY, store=store, start=MORNING, customer="a")
    night = Simulator(LIBRARY, store=store, start=MORNING + 14 * 3600, customer="b")  # 00:00
    assert labels(await morning.say("你好")) == ["greeting.morning"]
    assert labels(await night.say("你好")) == ["greeting.night"]


async def test_near_misses_are_recorded_with_their_candidates(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    for text in ("会员积分能抵多少钱呀能不能当现金", "退款到账了没有我看看", "量子力学怎么学"):
        await sim.say(text)
    records = await store.lrange(NEAR_MISSES, 0, -1)
    assert all('"candidates"' in r for r in records)


async def test_every_question_answered_with_the_fallback_is_recorded_as_promised(store: Store) -> None:
    """The fallback says 我记下来请同事确认: what it answered is in `siyu misses`, near miss or not; small talk and
    questions answered are not."""
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    for text in ("量子力学怎么学", "今天好累啊", "包邮吗"):
        await sim.say(text)
    records = [json.loads(r) for r in await store.lrange(NEAR_MISSES, 0, -1)]
    assert [(r["text"], r.get("fallback")) for r in records] == [("量子力学怎么学", True)]
    assert labels(await sim.say("周末能发货吗")) == ["fallback"]  # a near miss answered with the fallback: once
    records = [json.loads(r) for r in await store.lrange(NEAR_MISSES, 0, -1)]
    assert (records[0]["text"], records[0].get("fallback")) == ("周末能发货吗", True) and len(records) == 2


async def test_a_flow_in_progress_finishes_on_its_version_and_a_vanished_state_restarts(
        tmp_path: Path, store: Store) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(".git", ".venv", "*_cache", "tests", "bot", "bench", "docs", "*.egg-info"))
    library = Library.load(root)
    sim = Simulator(library, store=store, start=MORNING)
    await sim.send(InboundKind.ENTER_SESSION)
    await sim.say("好")
    started_on = (await sim.session()).version
    survey = root / "flows" / "icebreak.yaml"
    renamed = survey.read_text(encoding="utf-8").replace("goto: ask_name", "goto: ask_nick")
    survey.write_text(renamed.replace("  ask_name:\n", "  ask_nick:\n"), encoding="utf-8")
    assert library.reload()
    assert library.current.version != started_on
    replies = await sim.say("小美")  # still on the old version: ask_name exists there
    assert labels(replies) == ["icebreak.nice_to_meet", "icebreak.chat"]

    # a process that only knows the new content: the stored state is gone, restart at a safe point
    fresh = Simulator(Library.load(root), store=store, start=MORNING, customer="wmB")
    session = await fresh.session()
    session.flow, session.state, session.version = "icebreak", "ask_name", "gone"
    await fresh.engine.sessions.save(fresh.key, session)
    await fresh.say("小美")
    after = await fresh.session()
    assert after.flow in ("icebreak", "survey") and after.state != "ask_name"
    assert any("已不存在" in line for line in after.trace)


async def test_a_broken_reload_keeps_the_running_content(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(".git", ".venv", "*_cache", "tests", "bot", "bench", "docs", "*.egg-info"))
    library = Library.load(root)
    version = library.current.version
    (root / "flows" / "survey.yaml").write_text("start: nowhere\nstates: {}\n", encoding="utf-8")
    assert not library.reload()
    assert library.current.version == version


async def test_persona_follows_the_acquisition_channel(tmp_path: Path, store: Store) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(".git", ".venv", "*_cache", "tests", "bot", "bench", "docs", "*.egg-info"))
    persona = (root / "persona" / "xiaowanzi.yaml").read_text(encoding="utf-8")
    other = persona.replace("name: 小丸子", "name: 阿七").replace("channels: []", "channels: [vip]")
    (root / "persona" / "aqi.yaml").write_text(other.replace("我是小丸子", "我是阿七"), encoding="utf-8")
    library = Library.load(root)
    vip = Simulator(library, store=store, start=MORNING, channel="vip", customer="v")
    plain = Simulator(library, store=store, start=MORNING, customer="p")
    assert "阿七" in (await vip.send(InboundKind.WELCOME))[0].text
    assert "小丸子" in (await plain.send(InboundKind.WELCOME))[0].text
    assert (await vip.session()).persona == "aqi"


async def test_nothing_about_customers_stays_in_the_process(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    before = dict(vars(engine))
    cursors = {name: set(vars(flow.cursor)) for name, flow in LIBRARY.current.flows.items()}
    for n in range(50):
        await engine.respond(f"kf:wk:c{n}", Inbound(f"e{n}", InboundKind.TEXT, f"c{n}", text="包邮吗", at=MORNING))
    assert vars(engine) == before
    assert cursors == {name: set(vars(flow.cursor)) for name, flow in LIBRARY.current.flows.items()}


async def test_an_faq_a_person_must_follow_up_hands_over_after_its_answer(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    key = "kf:wk:wmBroken"
    said = Inbound("ev/b1", InboundKind.TEXT, "wmBroken", text="收到的瓶子碎了", at=MORNING)
    turn = await engine.respond(key, said)
    assert turn.handover and labels(turn.messages) == ["faq.damaged_item"]  # the answer, not the handover line
    photo = await engine.respond(key, Inbound("ev/b2", InboundKind.IMAGE, "wmBroken", at=MORNING + 30))
    assert photo.messages == [] and not photo.handover  # the photo is for the person now
    asked = Inbound("ev/b3", InboundKind.TEXT, "wmShip", text="包邮吗", at=MORNING)
    plain = await engine.respond("kf:wk:wmShip", asked)
    assert not plain.handover and labels(plain.messages) == ["faq:shipping_fee"]
