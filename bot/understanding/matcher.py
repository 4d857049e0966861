"""Keyword + fuzzy matching that stays fast as the knowledge base grows.

Built once per content load:
- an inverted index of character bigrams (IDF-weighted) over every normalised question phrasing, so a
  query only ever scores a few dozen candidates, never the whole base;
- an Aho-Corasick automaton of FAQ keywords and one of intent keywords (exact, any size, one pass).
rapidfuzz's WRatio scores the candidates: for short Chinese text without spaces it behaves as
"ratio, or a scaled partial ratio when one side is much longer", which is what messy queries need.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from operator import itemgetter

import ahocorasick
from rapidfuzz import fuzz, process

from bot.understanding.knowledge import Knowledge, Thresholds
from bot.understanding.normalize import Normalizer, clauses

CANDIDATES = 24  # strings scored with rapidfuzz per query
COMMON_POSTINGS = 400  # a bigram this common adds little once rarer ones have found candidates


class Decision(StrEnum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    MISS = "miss"


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: str
    score: float
    matched: str  # the phrasing or keyword that matched


@dataclass(frozen=True)
class Result:
    text: str
    normalized: str
    decision: Decision
    answers: list[str]  # FAQ ids to answer (several when a message asked several things)
    candidates: list[Candidate]  # best first, at most 3
    intents: list[tuple[str, float]]  # best first
    reason: str
    near_miss: bool = False

    def has_intent(self, name: str) -> bool:
        return any(intent == name for intent, _ in self.intents)


def _grams(text: str) -> set[str]:
    if len(text) < 2:
        return {text} if text else set()
    return {text[i : i + 2] for i in range(len(text) - 1)}


@dataclass
class FaqIndex:
    """Phrasings (normalised) of FAQ entries, with their bigram postings and keywords."""

    strings: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    postings: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    idf: dict[str, float] = field(default_factory=dict)
    keywords: ahocorasick.Automaton | None = None

    @classmethod
    def build(cls, phrasings: Iterable[tuple[str, str]], keywords: Iterable[tuple[str, str]],
              normalize: Normalizer) -> FaqIndex:
        index = cls()
        seen: set[tuple[str, str]] = set()
        for owner, text in phrasings:
            normalized = normalize(text)
            if not normalized or (owner, normalized) in seen:
                continue
            seen.add((owner, normalized))
            position = len(index.strings)
            index.strings.append(normalized)
            index.owners.append(owner)
            for gram in _grams(normalized):
                index.postings[gram].append(position)
        total = max(1, len(index.strings))
        index.idf = {g: math.log(1 + total / len(ids)) for g, ids in index.postings.items()}
        index.postings = dict(index.postings)
        automaton = ahocorasick.Automaton()
        found = False
        for owner, word in keywords:
            normalized = normalize(word)
            if normalized:
                found = True
                existing = automaton.get(normalized, (normalized, set()))
                existing[1].add(owner)
                automaton.add_word(normalized, existing)
        if found:
            automaton.make_automaton()
            index.keywords = automaton
        return index

    def shortlist(self, query: str) -> list[int]:
        grams = sorted(_grams(query), key=lambda g: len(self.postings.get(g, ())))
        weights: dict[int, float] = defaultdict(float)
        for gram in grams:
            ids = self.postings.get(gram)
            if not ids or (len(ids) > COMMON_POSTINGS and weights):
                continue
            weight = self.idf[gram]
            for position in ids:
                weights[position] += weight
        if len(weights) <= CANDIDATES:
            return list(weights)
        return [p for p, _ in heapq.nlargest(CANDIDATES, weights.items(), key=itemgetter(1))]

    def score(self, query: str) -> list[Candidate]:
        """Every entry worth considering, best first."""
        best: dict[str, Candidate] = {}
        for position in self.shortlist(query):
            text = self.strings[position]
            score = fuzz.WRatio(query, text, processor=None)
            owner = self.owners[position]
            if owner not in best or best[owner].score < score:
                best[owner] = Candidate(owner, score, text)
        if self.keywords is not None:
            hits: dict[str, str] = {}
            for _, (word, owners) in self.keywords.iter(query):
                for owner in owners:
                    if len(word) > len(hits.get(owner, "")):
                        hits[owner] = word
            for owner, word in hits.items():
                # a keyword is strong evidence; the more of the message it covers, the stronger
                keyword_score = 72 + 28 * len(word) / max(len(query), 1)
                current = best.get(owner)
                if current is None or current.score < keyword_score:
                    best[owner] = Candidate(owner, keyword_score, word)
                else:
                    best[owner] = Candidate(owner, min(100.0, current.score + 6), current.matched)
        return sorted(best.values(), key=lambda c: c.score, reverse=True)


@dataclass
class IntentIndex:
    exact: dict[str, str]
    examples: list[str]
    example_owner: list[str]
    keywords: ahocorasick.Automaton | None

    @classmethod
    def build(cls, knowledge: Knowledge, normalize: Normalizer) -> IntentIndex:
        exact: dict[str, str] = {}
        examples: list[str] = []
        owners: list[str] = []
        automaton = ahocorasick.Automaton()
        any_keyword = False
        for name, intent in knowledge.intents.items():
            for example in intent.examples:
                normalized = normalize(example)
                if normalized:
                    exact.setdefault(normalized, name)
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
        if query in self.exact:
            scores[self.exact[query]] = 100.0
        if self.keywords is not None:
            for _, (word, name) in self.keywords.iter(query):
                scores[name] = max(scores.get(name, 0.0), 90.0 + 10 * len(word) / len(query))
        if len(query) <= 12 and self.examples:
            for _, score, position in process.extract(query, self.examples, scorer=fuzz.ratio,
                                                      processor=None, limit=5, score_cutoff=threshold):
                name = self.example_owner[position]
                scores[name] = max(scores.get(name, 0.0), float(score))
        return sorted(((n, round(s, 1)) for n, s in scores.items() if s >= threshold),
                      key=lambda item: item[1], reverse=True)


class Understanding:
    """What the customer said: intents, FAQ candidates, and a decision with its reasons."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.faq_by_id = knowledge.faq_by_id()
        self.thresholds: Thresholds = knowledge.thresholds
        self.normalize = Normalizer(knowledge.variants)
        self.faq = FaqIndex.build(
            ((e.id, q) for e in knowledge.faq for q in e.questions),
            ((e.id, k) for e in knowledge.faq for k in e.keywords),
            self.normalize,
        )
        self.intents = IntentIndex.build(knowledge, self.normalize)

    def understand(self, text: str) -> Result:
        normalized = self.normalize(text)
        intents = self.intents.detect(normalized, self.thresholds.intent)
        if not normalized:
            return Result(text, normalized, Decision.MISS, [], [], intents,
                          "nothing to match after normalising")
        candidates = self.faq.score(normalized)
        decision, answers, reason, near = self._decide(candidates)
        parts = clauses(text)
        if len(parts) > 1:
            answered: list[str] = []
            for part in parts:
                part_decision, part_answers, _, _ = self._decide(self.faq.score(self.normalize(part)))
                if part_decision is Decision.ANSWER:
                    answered.extend(a for a in part_answers if a not in answered)
            if len(answered) > 1 or (answered and decision is not Decision.ANSWER):
                decision, answers, near = Decision.ANSWER, answered, False
                reason = f"{len(parts)} clauses, {len(answered)} answered"
        return Result(text, normalized, decision, answers, candidates[:3], intents, reason, near)

    def _decide(self, candidates: list[Candidate]) -> tuple[Decision, list[str], str, bool]:
        t = self.thresholds
        if not candidates:
            return Decision.MISS, [], "no candidate shares any words", False
        top = candidates[0]
        second = candidates[1] if len(candidates) > 1 else None
        if top.score >= t.hit:
            if second is not None and top.score - second.score < t.clarify_margin:
                return (Decision.CLARIFY, [top.entry, second.entry],
                        f"{top.entry} {top.score:.0f} and {second.entry} {second.score:.0f} are too close",
                        False)
            reason = f"{top.entry} scored {top.score:.0f} via “{top.matched}”"
            return Decision.ANSWER, [top.entry], reason, False
        near = top.score >= t.near_miss
        return Decision.MISS, [], f"best {top.entry} scored {top.score:.0f} < {t.hit:.0f}", near
