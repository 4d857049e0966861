"""backoff.asks_when: asking WHEN a person is there is no asking for one now — but only a clause that asks for a
person can say so; with none (the request read only across the whole message) the handover goes ahead (review15:
`all([])` was true and skipped it)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from bot.engine.backoff import asks_when
from bot.understanding.matcher import Decision
from tests.content_cache import bundled_understanding

UNDERSTANDING = bundled_understanding()
CTX = cast(Any, SimpleNamespace(content=SimpleNamespace(understanding=UNDERSTANDING)))


def test_a_time_question_with_no_clause_asking_for_a_person_is_no_reason_to_skip_the_handover() -> None:
    result = UNDERSTANDING.understand("客服几点在")
    assert result.decision is Decision.ANSWER and "how_long" in result.kinds
    assert not any(r.has_intent("ask_human") for r in [result])
    assert asks_when(CTX, result) is False


def test_asking_when_a_person_is_there_is_answered() -> None:
    assert asks_when(CTX, UNDERSTANDING.understand("人工客服什么时候上班")) is True
