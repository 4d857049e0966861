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
FACTORS = {"w": 1.0, "b": 0.6, "c": 0.25, "s": 0.4}


class _Segmenter:
    """One jieba tokenizer per process; knowledge-base words are added as content loads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer: jieba.Tokenizer | None = None
        self._added: set[str] = set()

    def _ready(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            self._tokenizer = tokenizer
        return self._tokenizer

    def add(self, words: Iterable[str]) -> None:
        with self._lock:
            tokenizer = self._ready()
            for word in words:
                if len(word) > 1 and word not in self._added:
                    self._added.add(word)
                    tokenizer.add_word(word)  # frequency chosen by jieba so it stays whole

    def frequency(self, word: str) -> int:
        """How common a word is in the language (jieba's dictionary, with the added words)."""
        return int(self._ready().FREQ.get(word) or 0)

    def cut(self, text: str) -> list[str]:
        with self._lock:
            return list(self._ready().lcut(text, HMM=False))


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
        cue_chars = {i for start, end in spans for i in range(start, end)}
        runs: list[list[str]] = [[]]
        words: list[str] = []
        negate = False
        position = 0
        for token in SEGMENTER.cut(text):
            start, position = position, position + len(token)
            if token in self.single_cues:
                kinds.add(self.single_cues[token])
            if all(i in cue_chars for i in range(start, position)) or token in self.cue_words:
                runs.append([])
                negate = False
                continue
            if token in self.negations:
                runs.append([])
                negate = True
                continue
            if token in self.filler:
                runs.append([])
                continue
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
        for run in runs:
            if not run:
                continue
            chars: list[str] = []
            for word in run:
                negated = word.startswith(NEGATED)
                mark = NEGATED if negated else ""
                features[mark + "w|" + word.removeprefix(NEGATED)] = FACTORS["w"]
                chars.extend(mark + c for c in word.removeprefix(NEGATED))
            for char in chars:
                features["c|" + char] = FACTORS["c"]
            for left, right in itertools.pairwise(chars):
                mark = NEGATED if left.startswith(NEGATED) or right.startswith(NEGATED) else ""
                a, b = left.removeprefix(NEGATED), right.removeprefix(NEGATED)
                features[mark + "b|" + a + b] = FACTORS["b"]
                features[mark + "s|" + self.sounds.key(a) + " " + self.sounds.key(b)] = FACTORS["s"]
        return features
