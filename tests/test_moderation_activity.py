"""Flood and cross-group repeats on the real store (memory and Redis), driven by message time and an
injected clock: nothing here waits on the wall clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.moderation import Detector, Message, Moderator, Role, load_moderation
from bot.store.base import Store

ROOT = Path(__file__).resolve().parent.parent
T0 = 1_700_000_000.0


@pytest.fixture(scope="module")
def detector() -> Detector:
    content = load_moderation(ROOT / "knowledge", ROOT)
    assert content is not None and content.spec.flood is not None and content.spec.repeat is not None
    assert (content.spec.flood.messages, content.spec.flood.seconds) == (8, 15)
    assert (content.spec.repeat.groups, content.spec.repeat.minutes) == (3, 10)
    return Detector(content)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def say(text: str, at: float, *, chat: str = "wr_group_a", sender: str = "wm_alice", msgid: str = "",
        role: Role = Role.CUSTOMER) -> Message:
    return Message(text, sender=sender, chat_id=chat, time=at, msgid=msgid or f"{chat}-{sender}-{at}", role=role)


async def test_the_eighth_message_within_fifteen_seconds_is_a_flood(store: Store, detector: Detector) -> None:
    moderator = Moderator(detector, store)
    verdicts = [await moderator.judge(say("好的", T0 + i)) for i in range(8)]
    assert [v.violation for v in verdicts] == [False] * 7 + [True]
    flood = verdicts[-1]
    assert flood.rule == "flood" and flood.category == "flood"
    assert "15 秒内发了 8 条" in flood.explain()


async def test_messages_spread_beyond_the_window_never_flood(store: Store, detector: Detector) -> None:
    moderator = Moderator(detector, store)
    verdicts = [await moderator.judge(say("好的", T0 + 2.5 * i)) for i in range(30)]  # 6 per 15 s
    assert not any(v.violation for v in verdicts)


async def test_flood_is_counted_per_sender_and_per_group(store: Store, detector: Detector) -> None:
    moderator = Moderator(detector, store)
    results = []
    for i in range(12):
        results.append(await moderator.judge(say("哈哈", T0 + i, chat=f"wr_{i % 2}")))
        results.append(await moderator.judge(say("哈哈", T0 + i, sender=f"wm_{i}")))
    assert not any(v.violation for v in results)


async def test_a_redelivered_message_is_not_counted_twice(store: Store, detector: Detector) -> None:
    moderator = Moderator(detector, store)
    verdicts = [await moderator.judge(say("好的", T0 + 1, msgid="same")) for _ in range(10)]
    assert not any(v.violation for v in verdicts)


async def test_staff_are_neither_judged_nor_counted(store: Store, detector: Detector) -> None:
    moderator = Moderator(detector, store)
    for i in range(20):
        verdict = await moderator.judge(say("今晚八点直播！", T0 + i, role=Role.STAFF))
        assert not verdict.violation and verdict.exempt
    for i in range(7):
        assert not (await moderator.judge(say("收到", T0 + 20 + i))).violation


async def test_messages_without_a_time_use_the_injected_clock(store: Store, detector: Detector) -> None:
    clock = Clock()
    moderator = Moderator(detector, store, clock=clock)
    verdicts = []
    for i in range(8):
        clock.now = T0 + 100 * i  # far apart by the clock: no flood
        verdicts.append(await moderator.judge(Message("好的", sender="wm_bob", chat_id="wr_x", msgid=str(i))))
    assert not any(v.violation for v in verdicts)
    for i in range(8):
        clock.now = T0 + 10_000 + i
        last = await moderator.judge(Message("好的", sender="wm_bob", chat_id="wr_x", msgid=f"b{i}"))
    assert last.violation and last.rule == "flood"


AD = "姐妹们这款面霜真的好用推荐给大家"  # nothing in it is against the rules by itself


async def test_the_same_text_in_three_groups_within_ten_minutes(store: Store, detector: Detector) -> None:
    moderator = Moderator(detector, store)
    first = await moderator.judge(say(AD, T0, chat="wr_1"))
    second = await moderator.judge(say(AD, T0 + 120, chat="wr_2"))
    third = await moderator.judge(say("姐妹们，这款面霜真的好用！推荐给大家～", T0 + 240, chat="wr_3"))
    assert not first.violation and not second.violation, second.explain()
    assert third.violation and third.rule == "repeat" and third.category == "ad"
    assert "3 个群" in third.explain()


async def test_repeats_older_than_the_window_or_in_the_same_group_do_not_count(store: Store,
                                                                              detector: Detector) -> None:
    moderator = Moderator(detector, store)
    assert not (await moderator.judge(say(AD, T0, chat="wr_1"))).violation
    assert not (await moderator.judge(say(AD, T0 + 60, chat="wr_2"))).violation
    assert not (await moderator.judge(say(AD, T0 + 11 * 60, chat="wr_3"))).violation  # wr_1 has expired
    for i in range(5):  # the same group again and again is not several groups
        assert not (await moderator.judge(say(AD, T0 + 11 * 60 + 30 * (i + 1), chat="wr_3"))).violation


async def test_repeats_are_per_sender_and_short_texts_repeat_innocently(store: Store, detector: Detector) -> None:
    moderator = Moderator(detector, store)
    for i in range(5):
        assert not (await moderator.judge(say(AD, T0 + i * 30, chat=f"wr_{i}", sender=f"wm_{i}"))).violation
        assert not (await moderator.judge(say("收到谢谢老师", T0 + i * 30, chat=f"wr_{i}"))).violation


async def test_without_a_store_the_moderator_judges_content_only(detector: Detector) -> None:
    moderator = Moderator(detector)
    verdicts = [await moderator.judge(say("好的", T0 + i)) for i in range(20)]
    assert not any(v.violation for v in verdicts)
    assert (await moderator.judge(say("加V：abc12345", T0))).rule == "contact_id"


async def test_swapping_in_new_content_keeps_the_counters(store: Store, detector: Detector) -> None:
    moderator = Moderator(detector, store)
    for i in range(6):
        await moderator.judge(say("好的", T0 + i))
    content = load_moderation(ROOT / "knowledge", ROOT)
    assert content is not None and content.spec.flood is not None
    stricter = content.spec.flood.model_copy(update={"messages": 7})
    from dataclasses import replace
    moderator.swap(Detector(replace(content, spec=content.spec.model_copy(update={"flood": stricter}))))
    assert (await moderator.judge(say("好的", T0 + 6))).rule == "flood"
