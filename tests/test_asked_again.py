"""The question just answered, asked again (QA round 6): “就是上面这条说的哦” only when she asked the same thing in other
words; she added something → the answer again; she is upset → an apology and a person, never “上面刚说过”;
人呢 → “在的”, not the apology for something done wrong. The copy is persona/xiaowanzi.yaml's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation import Outbound
from bot.engine.again import added
from bot.engine.library import Library
from bot.tools.simulator import Simulator
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
MORNING = 1_767_225_600.0 + 2 * 3600
POINTING_BACK = ("就是上面这条", "上面刚说过", "往上翻")


def labels(replies: list[Outbound]) -> list[str]:
    return [m.label for m in replies]


async def _after(first: str, then: str | list[str]) -> list[str]:
    sim = Simulator(Library(CONTENT), start=MORNING)
    await sim.say(first)
    replies = await (sim.burst(then, window=2.0) if isinstance(then, list) else sim.say(then))
    assert not any(word in m.text for m in replies for word in POINTING_BACK), [m.text for m in replies]
    return labels(replies)


async def test_the_same_question_in_other_words_is_pointed_to_kindly() -> None:
    sim = Simulator(Library(CONTENT), start=MORNING)
    await sim.say("发什么快递")
    replies = await sim.say("能发顺丰吗")
    assert labels(replies) == ["faq.again"]
    assert "就是上面这条" not in replies[0].text


async def test_a_question_asked_again_with_more_said_is_answered_again() -> None:
    assert await _after("多久发货", "我今天下午3点付的款 多久发货") == ["faq.again.more", "faq:shipping_time"]


def test_what_she_added_is_what_the_entry_does_not_hold() -> None:
    understanding = CONTENT.understanding
    entry = understanding.faq_by_id["shipping_time"]
    assert added(understanding, entry, understanding.understand("我今天下午3点付的款 多久发货")) == ["3", "点"]
    assert added(understanding, entry, understanding.understand("发货要多久")) == []


async def test_an_angry_customer_asking_again_gets_an_apology_and_a_person() -> None:
    assert await _after("我的快递到哪了", "快递到底到哪了 气死了") == ["faq.again.angry"]


@pytest.mark.parametrize("burst", [["人呢", "快递到底到哪了"], ["快递到底到哪了", "人呢"]])
async def test_upset_in_the_same_burst_gets_the_answer_again_not_pointed_back(burst: list[str]) -> None:
    got = await _after("我的快递到哪了", burst)
    assert sorted(got) == ["faq:order_status", "intent.nobody_here"]


@pytest.mark.parametrize("said", ["人呢", "怎么没人理我", "人呢人呢"])
async def test_nobody_here_says_she_is_here_not_sorry_for_a_mistake(said: str) -> None:
    sim = Simulator(Library(CONTENT), start=MORNING)
    replies = await sim.say(said)
    assert labels(replies) == ["intent.nobody_here"]
    assert "转人工" in replies[0].text and "添麻烦" not in replies[0].text


async def test_angry_words_still_get_the_apology() -> None:
    sim = Simulator(Library(CONTENT), start=MORNING)
    assert labels(await sim.say("你们怎么回事")) == ["intent.angry"]
