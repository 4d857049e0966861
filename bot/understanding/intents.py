"""Intents: what kind of move a short reply is (yes, no, a greeting, stop) — from content examples.

An exact example scores 100; a keyword inside the message 90-100 by how much of it the keyword covers;
otherwise `fuzz.ratio` against the examples for messages up to 12 characters. Kept at `intent` or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import ahocorasick
from rapidfuzz import fuzz, process

from bot.understanding.knowledge import Knowledge
from bot.understanding.normalize import Normalizer


@dataclass
class IntentIndex:
    exact: dict[str, list[str]]  # a normalised example → every intent it is an example of
    examples: list[str]
    example_owner: list[str]
    keywords: ahocorasick.Automaton | None

    @classmethod
    def build(cls, knowledge: Knowledge, normalize: Normalizer) -> IntentIndex:
        exact: dict[str, list[str]] = {}
        examples: list[str] = []
        owners: list[str] = []
        automaton = ahocorasick.Automaton()
        any_keyword = False
        for name, intent in knowledge.intents.items():
            for example in intent.examples:
                normalized = normalize(example)
                if normalized:
                    if name not in exact.setdefault(normalized, []):
                        exact[normalized].append(name)
                    examples.append(normalized)
                    owners.append(name)
            for keyword in intent.keywords:
                normalized = normalize(keyword)
                if normalized:
                    any_keyword = True
                    automaton.add_word(normalized, (normalized, name))
        if any_keyword:
            automaton.make_automaton()
        return cls(exact, examples, owners, automaton if any_keyword else None)

    def detect(self, query: str, threshold: float) -> list[tuple[str, float]]:
        if not query:
            return []
        scores: dict[str, float] = {}
        for name in self.exact.get(query, ()):
            scores[name] = 100.0  # 嗯 is an example of affirm (嗯嗯) and of cold: both, and the flow decides
        if self.keywords is not None:
            for _, (word, name) in self.keywords.iter(query):
                scores[name] = max(scores.get(name, 0.0), 90.0 + 10 * len(word) / len(query))
        if len(query) <= 12 and self.examples and query not in self.exact:
            for _, score, position in process.extract(query, self.examples, scorer=fuzz.ratio,
                                                      processor=None, limit=5, score_cutoff=threshold):
                name = self.example_owner[position]
                scores[name] = max(scores.get(name, 0.0), float(score))
        return sorted(((n, round(s, 1)) for n, s in scores.items() if s >= threshold),
                      key=lambda item: item[1], reverse=True)
