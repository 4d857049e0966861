"""QA round 13: a choice between two times asks (早上用还是晚上, without a question mark), 还是 meaning "still" does
not; an FAQ entry's `unless_intents` (我补差价: she pays, so no price protection)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.content_cache import bundled_understanding

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = bundled_understanding()


@pytest.mark.parametrize("text", ["早上用还是晚上", "白天还是晚上用", "先用水还是先用精华", "洗脸后还是洗脸前用"])
def test_a_choice_between_two_alternatives_asks(text: str) -> None:
    assert BUNDLED.asks(text)


@pytest.mark.parametrize("text", ["用了还是长痘", "今天还是没到", "我还是晚上用吧", "晚上用了早上还是油", "还是算了吧"])
def test_still_is_no_choice(text: str) -> None:
    assert not BUNDLED.asks(text)


def test_she_pays_the_difference_is_no_price_protection() -> None:
    for text in ("我补差价", "差价我来补"):
        result = BUNDLED.understand(text)
        assert "price_protect" not in result.answers
        assert "price_protect" not in [c.entry for c in result.candidates]
    assert BUNDLED.understand("降价了能给我补差价吗").answers == ["price_protect"]
