"""Words: the most probable cut through jieba's dictionary, with the knowledge base's words added."""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterable

import jieba


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
        self._minor: frozenset[str] | None = None
        self._tagged: dict[bytes, frozenset[str]] = {}
        self._places: frozenset[str] | None = None

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
        """Each word's frequency is picked against the dictionary as it stands, so the order words are added in
        changes how later text is cut: they are added sorted, so that every process cuts alike whatever order a
        set gave them in (PYTHONHASHSEED: 想问防晒能用吗 was 想问 + … in most processes and 想 + 问 + … in some)."""
        with self._lock:
            tokenizer = self._ready()
            for word in sorted(set(words)):
                if len(word) > 1 and word not in self._added:
                    self._added.add(word)
                    split = self._score(word)  # the best cut without it: it must beat that to stay whole
                    tokenizer.add_word(word)
                    for end in range(1, len(word)):  # looked up again: now a prefix — but an added word keeps
                        if word[:end] not in self._added:  # the cost that keeps it whole (想问 under 想问下)
                            self._costs.pop(word[:end], None)
                    # the total barely moves, so the other words' costs stand
                    own = math.log(tokenizer.FREQ[word]) - self._log_total
                    self._costs[word] = max(own, split + 1e-6)

    def minor_words(self) -> frozenset[str]:
        """Words jieba's dictionary tags as quantities, times, prepositions, conjunctions or particles
        (一瓶, 一批, 昨天, 下午, 从, 另外): they rarely say what a question is about. Read once."""
        if self._minor is None:
            with self._lock:
                tokenizer = self._ready()
                found = set()
                with tokenizer.get_dict_file() as lines:
                    for line in lines:
                        parts = line.split()
                        if len(parts) == 3 and parts[2] in _MINOR_TAGS:
                            word = parts[0].decode("utf-8")
                            if len(word) > 1 or parts[2] in _MINOR_SINGLE:  # 卷 and 点 may be typos or topics
                                found.add(word)
                self._minor = frozenset(found)
        return self._minor

    def adverbs(self) -> frozenset[str]:
        """One-character words jieba's dictionary tags as adverbs (又, 也, 还, 越): grammar, never a typo."""
        return self.single(b"d")

    def single(self, tag: bytes) -> frozenset[str]:
        """The one-character words jieba's dictionary gives this part-of-speech tag (d adverbs, y modal particles)."""
        return frozenset(word for word in self.tagged(tag) if len(word) == 1)

    def places(self) -> frozenset[str]:
        """Words jieba's dictionary tags as place names (新疆, 北京, 香港), less its one-character ones (美, 汀) and
        the common words it tags so (都一个礼拜了 was remembered as where she lives)."""
        found = self._places
        if found is None:
            found = self._places = frozenset(word for word in self.tagged(b"ns")
                                             if len(word) > 1 and word not in _NOT_PLACES)
        return found

    def tagged(self, tag: bytes) -> frozenset[str]:
        """The words jieba's dictionary gives this part-of-speech tag. Read once per tag."""
        found = self._tagged.get(tag)
        if found is None:
            with self._lock, self._ready().get_dict_file() as lines:
                tagged = (parts for parts in map(bytes.split, lines) if len(parts) == 3 and parts[2] == tag)
                found = self._tagged[tag] = frozenset(parts[0].decode("utf-8") for parts in tagged)
        return found

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
        get, fill, unknown = costs.get, self._fill, self._unknown
        size = len(text)
        best = [0.0] * (size + 1)
        end = [0] * (size + 1)
        for start in range(size - 1, -1, -1):
            single = get(text[start], _UNSEEN)
            if single == _UNSEEN:
                single = fill(text[start])
            score = (single if single is not None and single != _ABSENT else unknown) + best[start + 1]
            stop = start + 1
            for finish in range(start + 2, size + 1):
                fragment = text[start:finish]
                cost = get(fragment, _UNSEEN)
                if cost == _UNSEEN:
                    cost = fill(fragment)
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


_MINOR_TAGS = (b"m", b"t", b"p", b"c", b"u")  # jieba's part-of-speech tags
# Common words jieba's dictionary tags ns (place name) that a shop's customers use as words: time, things, adjectives.
_NOT_PLACES = frozenset({
    "礼拜", "东西", "京东", "商城", "福利", "香水", "新鲜", "深度", "长度", "美丽", "上市", "庆典",
    "太阳", "哥哥", "长大", "英雄", "江湖", "山水", "大街", "南路", "治安", "莫非", "开国", "建国",
    "爱国", "大国", "回国", "海洋", "平原", "高原", "山区", "城镇", "古城", "王国", "大桥", "湖泊",
    "冰川", "山脉", "海峡", "阿哥", "朝廷", "大都", "东南", "西北", "西南", "东北", "南北", "江南",
    "华夏", "永乐", "太庙"})
_MINOR_SINGLE = (b"p", b"c", b"u")  # one-character prepositions, conjunctions and particles: 从, 和, 的
_ABSENT = 1.0  # no log-probability is positive: a fragment no dictionary word starts with
_UNSEEN = 2.0  # not looked up yet
COST_CACHE = 500_000
_RUNS = re.compile(r"[a-z0-9]+|[^a-z0-9]+")
SEGMENTER = _Segmenter()
