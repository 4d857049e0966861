"""Baselines the matcher is measured against, run in the same process on the same questions.

- TF-IDF: cosine between character 1-2-gram TF-IDF vectors (smoothed idf, l2-normalised), the best
  phrasing per entry — the classic lexical baseline the paraphrase-dev README quotes.
- WRatio: rapidfuzz `process.extractOne` with `fuzz.WRatio` over every normalised phrasing, which is
  what the matcher used before.
Each answers when its best score reaches a threshold calibrated the same way as ours: the best top-1
on the tuning set with at most 3% false answers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from rapidfuzz import fuzz, process

from bot.understanding.evaluation import LabelledSet
from bot.understanding.matcher import Candidate, Decision, Result, Understanding

Scorer = Callable[[str], tuple[str, float] | None]  # message → (best entry, score 0-1)


def _grams(text: str) -> Counter[str]:
    grams = Counter(text)
    grams.update(text[i : i + 2] for i in range(len(text) - 1))
    return grams


def tfidf(understanding: Understanding) -> Scorer:
    texts = [understanding.normalize(t) for t in understanding.index.texts]
    owners = understanding.index.owners
    documents = [_grams(t) for t in texts]
    frequency: Counter[str] = Counter()
    for grams in documents:
        frequency.update(grams.keys())
    size = len(documents)
    idf = {g: math.log((1 + size) / (1 + n)) + 1 for g, n in frequency.items()}

    def vector(grams: Counter[str]) -> dict[str, float]:
        weights = {g: count * idf.get(g, math.log(1 + size) + 1) for g, count in grams.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}

    vectors = [vector(grams) for grams in documents]

    def best(text: str) -> tuple[str, float] | None:
        query = vector(_grams(understanding.normalize(text)))
        if not query:
            return None
        score, position = max((sum(w * v.get(g, 0.0) for g, w in query.items()), i) for i, v in enumerate(vectors))
        return owners[position], score

    return best


def wratio(understanding: Understanding) -> Scorer:
    texts = [understanding.normalize(t) for t in understanding.index.texts]
    owners = understanding.index.owners

    def best(text: str) -> tuple[str, float] | None:
        normalized = understanding.normalize(text)
        found = process.extractOne(normalized, texts, scorer=fuzz.WRatio, processor=None) if normalized else None
        return (owners[found[2]], found[1] / 100) if found else None

    return best


def calibrate(scorer: Scorer, tune: LabelledSet, max_false: float = 0.03) -> float:
    scored_in = [(expected, scorer(q)) for q, expected in tune.in_scope]
    scored_out = [scorer(q) for q in tune.out_of_scope]
    best_threshold, best_top1 = 1.0, -1.0
    for step in range(101):
        threshold = step / 100
        false = sum(1 for s in scored_out if s and s[1] >= threshold) / max(1, len(scored_out))
        top1 = sum(1 for e, s in scored_in if s and s[1] >= threshold and s[0] == e)
        if false <= max_false and top1 > best_top1:
            best_threshold, best_top1 = threshold, top1
    return best_threshold


def as_understand(scorer: Scorer, threshold: float) -> Callable[[str], Result]:
    def understand(text: str) -> Result:
        found = scorer(text)
        if found is None or found[1] < threshold:
            return Result(text, "", Decision.MISS, [], [], [], "baseline miss")
        entry, score = found
        return Result(text, "", Decision.ANSWER, [entry], [Candidate(entry, score * 100, "", ())], [], "baseline")

    return understand
