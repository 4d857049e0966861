"""The turn after an FAQ answer: 那A醇呢 asks the question just answered again, about A醇; a statement says which
case of a two-case answer is hers (engine/followup.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation import Outbound
from bot.engine import condition
from bot.store.base import Store
from bot.tools.simulator import Simulator
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parents[1]
MORNING = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai
LIBRARY = bundled_library()


def labels(messages: list[Outbound]) -> list[str]:
    return [m.label for m in messages]


async def test_an_elliptical_question_about_a_word_the_base_does_not_know_is_no_follow_up(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    assert labels(await sim.say("孕妇能用吗")) == ["faq:pregnancy_safe"]
    assert "faq:pregnancy_safe" not in labels(await sim.say("那明天呢"))


async def test_an_elliptical_question_long_after_the_answer_is_read_on_its_own(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("孕妇能用吗")
    await sim.say("包邮吗")
    assert labels(await sim.say("那A醇呢")) == ["faq:ingredient_retinol"]


async def test_a_statement_that_names_no_case_of_the_answer_is_read_on_its_own(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("怎么取消订单")
    assert labels(await sim.say("我的快递到哪了")) == ["faq:order_status"]


async def test_a_short_question_with_no_topic_of_its_own_is_read_with_the_message_just_answered(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    assert labels(await sim.say("用了A醇脸上脱皮")) == ["faq:ingredient_retinol"]
    assert labels(await sim.say("正常吗")) == ["product:night_serum#4"]  # about the peeling, not an allergy


async def test_a_burst_reads_the_short_question_with_the_piece_before_it(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    assert labels(await sim.burst(["用了A醇脸上脱皮", "要紧吗"])) == ["faq:ingredient_retinol",
                                                                    "product:night_serum#4"]


@pytest.mark.parametrize(("said", "elliptical"), [
    ("正常吗", True), ("要紧吗", True), ("严重吗", True),
    ("包邮吗", False),  # a topic of its own (an FAQ keyword)
    ("防晒呢", False),  # 那XX呢: the question just answered, asked about 防晒 (elided.py)
    ("多少钱", False),  # an intent of its own (ask_price)
    ("过敏了正常吗", False),  # says what it is about (an FAQ keyword)
    ("用了A醇脸上脱皮", False),  # no question
])
def test_what_counts_as_a_short_question_with_no_topic_of_its_own(said: str, elliptical: bool) -> None:
    understanding = LIBRARY.current.understanding
    assert condition.elliptical(understanding, understanding.understand(said)) is elliptical
