"""A follow-up that the answer just given already answers (面膜多久敷一次 → 敷完要洗脸吗): the part of that
answer which says it, instead of the whole answer word for word again.

The part is the run of the answer's clauses (cut at its punctuation) from the first to the last clause that
holds what the customer asked about: a word of her message of two characters or more, or two of its single
characters; grammar (filler, cue and negation words of matching.yaml) does not count. None when no clause
holds it, when the run is the whole answer, or when the run leaves out a word she used (白天能用吗 after the
retinol answer: 白天一定要防晒 says nothing about using it in the day — the whole answer does).
"""

from __future__ import annotations

import re

from bot.understanding.matcher import Understanding
from bot.understanding.segment import SEGMENTER

_CLAUSE_END = re.compile(r"(?<=[，,；;。！!？?～~])")


def part_answering(understanding: Understanding, answer: str, message: str) -> str | None:
    grammar = understanding.analyze.grammar
    words = [w for w in SEGMENTER.cut(understanding.normalize(message)) if w not in grammar and w.strip()]
    if not words:
        return None
    clauses = [c for c in _CLAUSE_END.split(answer) if c.strip()]
    holding = [n for n, clause in enumerate(clauses) if _holds(clause, words)]
    if not holding or (holding[0] == 0 and holding[-1] == len(clauses) - 1):
        return None
    part = "".join(clauses[holding[0]:holding[-1] + 1]).strip()
    if not all(word in part for word in words):  # 白天能用吗: 白天一定要防晒 holds 白天, not whether to use it
        return None
    return part.rstrip("，,；;")


def _holds(clause: str, words: list[str]) -> bool:
    found = [w for w in words if w in clause]
    return any(len(w) >= 2 for w in found) or len(found) >= 2
