"""From a normalised message to the evidence the matcher weighs.

A message is cut into words (jieba, with the knowledge base's own vocabulary added so that its words
stay whole), words are mapped to their synonym group's first word, and every word is classed:
- filler (请问, 一下, 呀, 吗): no weight at all;
- a question-kind cue (多久, 怎么, 能不能 …): not evidence of the topic, but the kind of question;
- a negation (不想, 别 …): the next word becomes its negated form (不想退 → ¬退), so it no longer
  matches 退 and a clash is visible;
- otherwise content. Content gives four kinds of features: the word itself, its characters, character
  pairs across neighbouring content words, and the same pairs as sound keys (pinyin, see sound.py),
  which is what recovers typos. Each kind has a factor; the index multiplies it by the feature's rarity.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick
import jieba

from bot.understanding.knowledge import Language
from bot.understanding.sound import Sounds

NEGATED = "¬"
# How much one feature of each kind counts before rarity: a whole word is the strongest evidence, a
# character the weakest; a pair that only sounds the same counts less than the same characters.
FACTORS = {"w": 1.0, "b": 0.6, "c": 0.6, "s": 0.4}
WORD_CACHE = 200_000  # words whose features are kept (a 100k-phrasing base uses far fewer)


class _Segmenter:
    """Words by jieba's dictionary (most probable cut, as jieba does without its HMM), one per process.

    The cut itself is done here rather than by jieba.lcut: the same dynamic programme over jieba's
    word frequencies, without its generators, is about three times faster, which is what lets a
    100,000-phrasing knowledge base build within seconds. Knowledge-base words are added as content
    loads (jieba picks a frequency that keeps each whole)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._added: set[str] = set()
        self._costs: dict[str, float | None] = {}
        self._unknown = self._log_total = 0.0

    def _ready(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            self._tokenizer = tokenizer
            self._recost()
        return self._tokenizer

    def _recost(self) -> None:
        """log P(word) is looked up as words are met (a cache, not a copy of the 580k-entry dictionary)."""
        assert self._tokenizer is not None
        self._log_total = math.log(self._tokenizer.total)
        self._costs = {}
        self._unknown = -self._log_total

    def _fill(self, fragment: str) -> float | None:
        assert self._tokenizer is not None
        frequency = self._tokenizer.FREQ.get(fragment)
        cost = _ABSENT if frequency is None else math.log(frequency) - self._log_total if frequency else None
        if len(self._costs) < COST_CACHE:
            self._costs[fragment] = cost
        return cost

    def add(self, words: Iterable[str]) -> None:
        with self._lock:
            tokenizer = self._ready()
            for word in words:
                if len(word) > 1 and word not in self._added:
                    self._added.add(word)
                    split = self._score(word)  # the best cut without it: it must beat that to stay whole
                    tokenizer.add_word(word)
                    for end in range(1, len(word)):
                        self._costs.pop(word[:end], None)  # looked up again: now a prefix
                    # the total barely moves, so the other words' costs stand
                    own = math.log(tokenizer.FREQ[word]) - self._log_total
                    self._costs[word] = max(own, split + 1e-6)

    def frequency(self, word: str) -> int:
        """How common a word is in the language (jieba's dictionary, with the added words)."""
        return int(self._ready().FREQ.get(word) or 0)

    def cut(self, text: str) -> list[str]:
        if self._tokenizer is None:
            with self._lock:
                self._ready()
        words: list[str] = []
        for run in _RUNS.findall(text):
            if run.isascii():
                words.append(run)
            else:
                words.extend(self._cut_han(run))
        return words

    def _score(self, text: str) -> float:
        total = 0.0
        for word in self._cut_han(text):
            cost = self._costs.get(word, _UNSEEN)
            cost = self._fill(word) if cost == _UNSEEN else cost
            total += cost if cost is not None and cost != _ABSENT else self._unknown
        return total

    def _cut_han(self, text: str) -> list[str]:
        costs = self._costs
        size = len(text)
        best = [0.0] * (size + 1)
        end = [0] * (size + 1)
        for start in range(size - 1, -1, -1):
            single = costs.get(text[start], _UNSEEN)
            if single == _UNSEEN:
                single = self._fill(text[start])
            score = (single if single is not None and single != _ABSENT else self._unknown) + best[start + 1]
            stop = start + 1
            for finish in range(start + 2, size + 1):
                cost = costs.get(text[start:finish], _UNSEEN)
                if cost == _UNSEEN:
                    cost = self._fill(text[start:finish])
                if cost == _ABSENT:
                    break  # no dictionary word starts like this
                if cost is not None:
                    candidate = cost + best[finish]
                    if candidate > score:
                        score, stop = candidate, finish
            best[start], end[start] = score, stop
        words = []
        position = 0
        while position < size:
            words.append(text[position : end[position]])
            position = end[position]
        return words


_ABSENT = 1.0  # no log-probability is positive: a fragment no dictionary word starts with
_UNSEEN = 2.0  # not looked up yet
COST_CACHE = 500_000
_RUNS = re.compile(r"[a-z0-9]+|[^a-z0-9]+")
SEGMENTER = _Segmenter()


@dataclass(frozen=True, slots=True)
class Analysis:
    text: str  # normalised
    words: tuple[str, ...]  # content words after synonyms; negated ones start with ¬
    kinds: frozenset[str]
    features: dict[str, float]  # feature → factor (before rarity)

    @property
    def empty(self) -> bool:
        return not self.features


class Analyzer:
    def __init__(self, language: Language, vocabulary: Iterable[str] = ()) -> None:
        self.filler = {w for w in language.filler}
        self.negations = set(language.negations)
        self.canonical: dict[str, str] = {}
        for group in language.synonyms:
            for word in group[1:]:
                self.canonical.setdefault(word, group[0])
        self.sounds = Sounds(language.confusions)
        self._by_word: dict[str, dict[str, float]] = {}
        self._kinds: ahocorasick.Automaton | None = None
        cues = [(cue, kind) for kind, words in language.kinds.items() for cue in words]
        # a one-character cue (能) counts only as a word of its own, never inside another (功能)
        self.single_cues = {cue: kind for cue, kind in cues if len(cue) == 1}
        if len(self.single_cues) < len(cues):
            automaton = ahocorasick.Automaton()
            for cue, kind in cues:
                if len(cue) > 1:
                    automaton.add_word(cue, (len(cue), kind))
            automaton.make_automaton()
            self._kinds = automaton
        self.cue_words = {cue for cue, _ in cues}
        long_cues = [cue for cue in self.cue_words if len(cue) > 1]
        own = [w for w in vocabulary if not any(cue in w for cue in long_cues)]  # 什么时候发货 stays apart
        SEGMENTER.add([*own, *self.filler, *self.negations, *self.cue_words, *self.canonical,
                       *(group[0] for group in language.synonyms)])

    def kinds(self, text: str) -> tuple[frozenset[str], list[tuple[int, int]]]:
        """The question kinds a text asks, leftmost-longest cues first, and where the cues are."""
        if self._kinds is None or not text:
            return frozenset(), []
        best: dict[int, tuple[int, str]] = {}
        for end, (length, kind) in self._kinds.iter(text):
            start = end - length + 1
            if start not in best or best[start][0] < length:
                best[start] = (length, kind)
        found: set[str] = set()
        spans: list[tuple[int, int]] = []
        position = 0
        for start in sorted(best):
            if start < position:
                continue
            length, kind = best[start]
            found.add(kind)
            spans.append((start, start + length))
            position = start + length
        return frozenset(found), spans

    def __call__(self, text: str) -> Analysis:
        found, spans = self.kinds(text)
        kinds = set(found)
        outside = bytearray(b"\x01") * len(text)  # 0 where a cue word stands
        for start, end in spans:
            outside[start:end] = bytes(end - start)
        runs: list[list[str]] = [[]]
        words: list[str] = []
        negate = False
        position = 0
        single_cues, cue_words, negations, filler = self.single_cues, self.cue_words, self.negations, self.filler
        for token in SEGMENTER.cut(text):
            start, position = position, position + len(token)
            if token in single_cues:
                kinds.add(single_cues[token])
            if token in cue_words or (spans and 1 not in outside[start:position]):
                runs.append([])
                negate = False
            elif token in negations:
                runs.append([])
                negate = True
            elif token in filler:
                runs.append([])
            else:
                word = self.canonical.get(token, token)
                if negate:
                    word = NEGATED + word
                    runs.append([])
                    negate = False
                words.append(word)
                runs[-1].append(word)
        return Analysis(text, tuple(words), frozenset(kinds), self._features(runs))

    def _features(self, runs: list[list[str]]) -> dict[str, float]:
        features: dict[str, float] = {}
        pair_factor, sound_factor = FACTORS["b"], FACTORS["s"]
        key = self.sounds.key
        for run in runs:
            previous = ""
            for word in run:
                features.update(self._word_features(word))
                if previous and not (previous.isascii() or word.isascii()):  # the pair across two words
                    mark = NEGATED if previous[0] == NEGATED or word[0] == NEGATED else ""
                    left, right = previous[-1], word.removeprefix(NEGATED)[0]
                    features[mark + "b|" + left + right] = pair_factor
                    features[mark + "s|" + key(left) + " " + key(right)] = sound_factor
                previous = word
        return features

    def _word_features(self, word: str) -> dict[str, float]:
        """A word's own features (itself, its characters, the pairs inside it), kept once computed."""
        found = self._by_word.get(word)
        if found is not None:
            return found
        mark, bare = (NEGATED, word[1:]) if word[0] == NEGATED else ("", word)
        key = self.sounds.key
        found = {mark + "w|" + bare: FACTORS["w"]}
        if bare.isascii():  # vc, spf, refund: a Latin word is one piece of evidence, its letters none
            return found
        for char in bare:
            found["c|" + mark + char] = FACTORS["c"]
        for left, right in itertools.pairwise(bare):
            found[mark + "b|" + left + right] = FACTORS["b"]
            found[mark + "s|" + key(left) + " " + key(right)] = FACTORS["s"]
        if len(self._by_word) < WORD_CACHE:
            self._by_word[word] = found
        return found
