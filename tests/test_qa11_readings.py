"""QA round 11: typos of the price cue and of product names, a greeting's keyword and a recommendation's keyword
inside a question about something the knowledge answers (flows/tests/qa11_readings.yaml has the conversations)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.understanding.naming import ProductNames
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
UNDERSTANDING = bundled_content().understanding
NAMES = ProductNames(UNDERSTANDING.knowledge.products, UNDERSTANDING.normalize)


@pytest.mark.parametrize(("typed", "heard"), [
    ("防晒多少前", "防晒多少钱"),  # a question cue (knowledge/matching.yaml kinds) is a word the corrector knows
    ("保湿谁多少钱", "保湿水多少钱"),  # so is a piece of one product's name (三重玻尿酸保湿水)
    ("保时水多少钱", "保湿水多少钱"),
])
def test_typos_of_the_price_cue_and_of_a_product_name_are_heard(typed: str, heard: str) -> None:
    assert UNDERSTANDING.understand(typed).heard == heard


def test_the_intent_of_what_she_meant_to_type_is_detected() -> None:
    assert UNDERSTANDING.understand("防晒多少前").has_intent("ask_price")
    assert not UNDERSTANDING.understand("加个微信").has_intent("ask_price")  # 加个 is no typo of 价格


def test_a_word_of_a_survey_answer_inside_a_product_name_is_the_product() -> None:
    assert NAMES.without("保湿谁多少钱", "保湿水多少钱") == "多少钱"
    assert NAMES.without("清爽控油乳液多少钱", "清爽控油乳液多少钱") == "多少钱"
    assert NAMES.without("我想控油", "我想控油") == "我想控油"  # 控油 alone names no product: her need
