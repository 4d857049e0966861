"""Word rules: the curated lists in moderation.yaml and operator-supplied lexicon files, in one automaton.

Words are normalised like messages (so 兼 职, 兼職 and ＪＩＡＮＺＨＩ written as a variant all match one
entry). Latin words only match between word edges (“sm” is not in “sms”). A `safe` word hides the
matches inside it (小姐姐 hides 小姐).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import ahocorasick

from bot.content.source import ContentError, Problem, read_text
from bot.moderation.message import Evidence
from bot.moderation.text import Folded, TextNormalizer

# words of one rule reported for one message: far more than any cap needs (a 51k-word lexicon can hit a
# dozen everyday words in a long message; reporting them all costs time and says nothing more)
MAX_PER_RULE = 6


@dataclass(frozen=True, slots=True)
class WordEntry:
    rule: str
    category: str
    weight: int
    latin: bool


class LexiconLine(NamedTuple):
    word: str
    category: str
    line: int


def read_lexicon(path: Path, display: str) -> list[LexiconLine]:
    """A `word<TAB>category` file; blank lines and # comments are skipped. Tens of thousands of lines: kept
    to plain string operations."""
    text = read_text(path, display)
    lines: list[LexiconLine] = []
    problems: list[Problem] = []
    make = LexiconLine._make
    for number, raw in enumerate(text.split("\n"), start=1):
        word, tab, category = raw.partition("\t")
        if not tab:
            if raw.strip() and not raw.lstrip().startswith("#"):
                problems.append(Problem(display, number, 1, "每行应为 词<TAB>类别：两项，中间一个 Tab"))
            continue
        if raw[:1] == "#":
            continue
        word, category = word.strip(), category.strip()
        if not word or not category or "\t" in category:
            problems.append(Problem(display, number, 1, "每行应为 词<TAB>类别：两项，中间一个 Tab"))
            continue
        lines.append(make((word, category, number)))
    if problems:
        raise ContentError(problems[:20])
    return lines


class WordMatcher:
    def __init__(self, normalizer: TextNormalizer) -> None:
        self._normalizer = normalizer
        self._entries: dict[str, tuple[WordEntry, ...]] = {}  # normalised word → one entry per rule
        self._safe: set[str] = set()
        self._automaton: ahocorasick.Automaton | None = None

    def add(self, word: str, entry: WordEntry, normal: str | None = None) -> str:
        """Add one word; returns its normalised form ("" when nothing is left to match)."""
        normal = self._normalizer.word(word) if normal is None else normal
        if normal:
            existing = self._entries.get(normal)
            if existing is None:
                self._entries[normal] = (entry,)
            elif all(e.rule != entry.rule for e in existing):
                self._entries[normal] = (*existing, entry)
        return normal

    def add_safe(self, words: Iterable[str]) -> None:
        self._safe.update(w for w in (self._normalizer.word(word) for word in words) if w)

    def build(self) -> None:
        automaton = ahocorasick.Automaton()
        for normal, entries in self._entries.items():
            automaton.add_word(normal, (normal, entries))
        for normal in self._safe:
            if normal not in self._entries:
                automaton.add_word(normal, (normal, ()))
        if len(automaton):
            automaton.make_automaton()
            self._automaton = automaton

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, folded: Folded) -> list[Evidence]:
        return self.match_and_safe(folded)[0]

    def match_and_safe(self, folded: Folded) -> tuple[list[Evidence], list[tuple[int, int]]]:
        """The words found, and where the message says a safe word (in the original text's positions): the other
        detectors' findings inside one do not count either (有人加我好友 retells an invitation; it makes none)."""
        if self._automaton is None or not folded.compact:
            return [], []
        hits = list(self._automaton.iter(folded.compact))
        if not hits:
            return [], []
        safe = self._safe
        safe_spans = [(end - len(normal) + 1, end + 1) for end, (normal, _) in hits if normal in safe] if safe else []
        evidence: list[Evidence] = []
        seen: set[tuple[str, str]] = set()
        per_rule: dict[str, int] = {}
        for end, (normal, entries) in hits:
            start = end - len(normal) + 1
            end += 1
            if safe_spans and any(s <= start and end <= e and (e - s) > (end - start) for s, e in safe_spans):
                continue
            for entry in entries:
                if (entry.rule, normal) in seen or per_rule.get(entry.rule, 0) >= MAX_PER_RULE:
                    continue
                if entry.latin and not folded.bounded(start, end):
                    continue
                seen.add((entry.rule, normal))
                per_rule[entry.rule] = per_rule.get(entry.rule, 0) + 1
                first, last = folded.span(start, end)
                evidence.append(Evidence(entry.rule, entry.category, entry.weight, normal,
                                         folded.original[first:last], folded.how(first, last), (first, last)))
        return evidence, [folded.span(start, end) for start, end in safe_spans]
