"""A burst that tells one problem several ways gets one answer (QA round 6: 瓶子碎了 | 漏了一地 got both the
missing_item and the damaged_item answers — 漏 is also 漏发); two problems still get two."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.burst import answered_before
from bot.engine.library import Library
from bot.tools.simulator import Simulator
from bot.understanding.index import Scored
from bot.understanding.matcher import Decision, Result
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
NEAR_MISS = CONTENT.understanding.thresholds.near_miss
MORNING = 1_767_225_600.0 + 2 * 3600


def _read(text: str, *scores: tuple[str, float], question: bool = False) -> Result:
    candidates = [Scored(entry, score, entry, ()) for entry, score in scores]
    return Result(text, text, Decision.ANSWER, [scores[0][0]], candidates, [], "", question=question)


def test_a_statement_that_also_reads_as_the_answer_given_is_the_same_problem() -> None:
    broken = _read("瓶子碎了", ("damaged_item", 100))
    spilled = _read("漏了一地", ("missing_item", 76), ("damaged_item", 74))  # the reading QA saw
    assert answered_before([broken], spilled, NEAR_MISS)


def test_a_second_problem_or_a_question_of_its_own_is_answered() -> None:
    broken = _read("瓶子碎了", ("damaged_item", 100))
    assert not answered_before([broken], _read("少发了一瓶", ("missing_item", 100), ("damaged_item", 30)), NEAR_MISS)
    asks = _read("漏发了怎么办", ("missing_item", 90), ("damaged_item", 70), question=True)
    assert not answered_before([broken], asks, NEAR_MISS)


async def _answers(burst: list[str]) -> list[str]:
    sim = Simulator(Library(CONTENT), start=MORNING)
    return [m.label for m in await sim.burst(burst) if m.label.startswith("faq")]


@pytest.mark.parametrize("burst", [["瓶子碎了", "漏了一地"], ["漏了一地", "瓶子碎了"], ["瓶子碎了", "漏了一地", "怎么办"],
                                   ["收到货了 瓶子碎了", "漏了一地 怎么办"]])
async def test_one_problem_told_several_ways_gets_one_answer(burst: list[str]) -> None:
    assert await _answers(burst) == ["faq.damaged_item"]


async def test_two_problems_in_one_burst_get_two_answers() -> None:
    assert await _answers(["瓶子碎了", "少发了一瓶"]) == ["faq.damaged_item", "faq:missing_item"]
