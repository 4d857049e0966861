"""What understanding a message gives the engine: a decision, the FAQ entries to answer, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.understanding.index import Scored


class Decision(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    MISS = "miss"


@dataclass(frozen=True)
class Result:
    text: str
    normalized: str
    decision: Decision
    answers: list[str]  # FAQ ids to answer (several when a message asked several things; two to choose from)
    candidates: list[Scored]  # best first, at most 3
    intents: list[tuple[str, float]]  # best first
    reason: str
    near_miss: bool = False
    kinds: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()  # the content words the message was understood by
    question: bool = False  # asks something: a question kind (多久, 怎么), a question ending (吗) or a ？
    corrected: str = ""  # the normalised text with typos read as the knowledge's words (敏敢肌 → 敏感肌), if any were
    chat: str = ""  # the small-talk intent (`smalltalk: true`) the message is, "" when it is none (matcher.chat)
    suggestion: str = ""  # a missed question one entry clearly leads: 你是想问「…」吗 (engine/suggestion.py)

    @property
    def heard(self) -> str:
        """What the customer meant to type (防嗮霜 → 防晒霜): her typos read as the knowledge's words, whether or not
        the FAQ match kept that reading, else the normalised text."""
        return self.corrected or self.normalized

    def has_intent(self, name: str) -> bool:
        return any(intent == name for intent, _ in self.intents)
