"""Intents: what kind of move a short reply is (yes, no, a greeting, stop) — from content examples.

An exact example scores 100; a keyword inside the message 90-100 by how much of it the keyword covers,
unless one of the intent's `unless` words is in the message too (别推荐太贵的 narrows a recommendation, it does
not opt out); otherwise `fuzz.ratio` against the examples for messages up to 12 characters. Kept at `intent`
or more. `remainder` is what a message says besides some intents' own words (先不买了谢谢 without 不买了).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ahocorasick
from rapidfuzz import fuzz, process

from bot.understanding.knowledge import Knowledge
from bot.understanding.normalize import Normalizer
from bot.understanding.segment import SEGMENTER

_CALLS = "啊哦哈"  # final particles jieba's dictionary does not tag y (啊 and 哦 are zg, 哈 is absent)


@dataclass
class IntentIndex:
    exact: dict[str, list[str]]  # a normalised example → every intent it is an example of
    examples: list[str]
    example_owner: list[str]
    keywords: ahocorasick.Automaton | None
    unless: dict[str, tuple[str, ...]]  # intent → words that cancel its keywords
    smalltalk: frozenset[str] = frozenset()  # the intents marked `smalltalk: true`
    particles: str = ""  # sentence-final particles that change no answer (可以吧 is 可以); question endings are not
    memo: dict[tuple[str, float], list[tuple[str, float]]] | None = None  # while one message is read (matcher)
    reachable: dict[tuple[int, float], tuple[list[str], list[str]]] = field(default_factory=dict)

    @classmethod
    def build(cls, knowledge: Knowledge, normalize: Normalizer) -> IntentIndex:
        exact: dict[str, list[str]] = {}
        examples: list[str] = []
        owners: list[str] = []
        automaton = ahocorasick.Automaton()
        any_keyword = False
        unless: dict[str, tuple[str, ...]] = {}
        for name, intent in knowledge.intents.items():
            words = tuple(w for w in map(normalize, intent.unless) if w)
            if words:
                unless[name] = words
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
        smalltalk = frozenset(name for name, intent in knowledge.intents.items() if intent.smalltalk)
        endings = {normalize(e) for e in knowledge.language.question_endings}
        particles = "".join(sorted(SEGMENTER.single(b"y") - endings))  # 吧, 呀, 啦; not 吗, 么, 嘛
        return cls(exact, examples, owners, automaton if any_keyword else None, unless, smalltalk, particles)

    def detect(self, query: str, threshold: float) -> list[tuple[str, float]]:
        if not query:
            return []
        memo = self.memo
        if memo is not None and (known := memo.get((query, threshold))) is not None:
            return list(known)
        found = self._detect(query, threshold)
        if memo is not None:
            memo[(query, threshold)] = found
        return list(found)

    def _detect(self, query: str, threshold: float) -> list[tuple[str, float]]:
        scores: dict[str, float] = {}
        bare = query.rstrip(self.particles) if query not in self.exact else query
        for name in self.exact.get(query, ()) or self.exact.get(bare, ()):
            scores[name] = 100.0  # 嗯 is an example of affirm (嗯嗯) and of cold: both, and the flow decides
        if self.keywords is not None:
            for _, (word, name) in self.keywords.iter(query):
                if not any(other in query for other in self.unless.get(name, ())) and self._stands(word, query):
                    scores[name] = max(scores.get(name, 0.0), 90.0 + 10 * len(word) / len(query))
        if len(query) <= 12 and self.examples and query not in self.exact:
            examples, owners = self._reachable(len(query), threshold)
            for _, score, position in process.extract(query, examples, scorer=fuzz.ratio,
                                                      processor=None, limit=5, score_cutoff=threshold):
                name = owners[position]
                scores[name] = max(scores.get(name, 0.0), float(score))
        return sorted(((n, round(s, 1)) for n, s in scores.items() if s >= threshold),
                      key=lambda item: item[1], reverse=True)

    @staticmethod
    def _stands(word: str, query: str) -> bool:
        """A keyword of one character (拜拜, 哈哈哈 and 相亲 normalise to 拜, 哈, 相) only counts as a word of its own:
        用了一个礼拜 says no goodbye, 哈尔滨 no laugh, 相信 no blind date."""
        return len(word) > 1 or word == query or word in SEGMENTER.cut(query)

    def _reachable(self, length: int, threshold: float) -> tuple[list[str], list[str]]:
        """The examples a message of this length can reach at `threshold`, and their intents: fuzz.ratio is at most
        200 × the shorter length / both lengths, so a far longer or shorter example never does (a third of the
        examples, and as much of the time, at 6 characters). Worked out once per length and threshold."""
        key = (length, threshold)
        found = self.reachable.get(key)
        if found is None:
            kept = [i for i, example in enumerate(self.examples)
                    if 200 * min(length, len(example)) / (length + len(example)) >= threshold - 1e-9]
            found = self.reachable[key] = ([self.examples[i] for i in kept], [self.example_owner[i] for i in kept])
        return found

    @staticmethod
    def merged(*found: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """Intents detected in several readings of one message (as typed, typos read), each at its best score."""
        best: dict[str, float] = {}
        for name, score in (item for items in found for item in items):
            best[name] = max(best.get(name, 0.0), score)
        return sorted(best.items(), key=lambda item: item[1], reverse=True)

    def like_example(self, query: str, name: str, threshold: float) -> bool:
        """Whether the whole message is one of the intent's examples, or (up to 12 characters) close to one — not
        merely a keyword inside something longer (去旅游能带上飞机吗 holds 去旅游, but asks something else)."""
        if name in self.exact.get(query, ()):
            return True
        if len(query) > 12:
            return False
        own = [example for example, owner in zip(self.examples, self.example_owner, strict=True) if owner == name]
        return process.extractOne(query, own, scorer=fuzz.ratio, processor=None, score_cutoff=threshold) is not None

    def said_example(self, query: str, name: str) -> bool:
        """Whether the whole message is one of the intent's examples, a final particle aside: 你是男生还是女生啊 is
        the example 你是男生还是女生 (matcher: small talk the FAQ must not take)."""
        return any(name in self.exact.get(said, ()) for said in (query, query.rstrip(self.particles + _CALLS)))

    def remainder(self, query: str, names: set[str]) -> str:
        """The message without the words by which `names` were detected in it: "" when it is one of their
        examples, or was found by its likeness to one (a short message: all of it is that move)."""
        if any(name in names for name in self.exact.get(query, ())):
            return ""
        rest = query
        if self.keywords is not None:
            for _, (word, name) in self.keywords.iter(query):
                if (name in names and not any(other in query for other in self.unless.get(name, ()))
                        and self._stands(word, query)):
                    rest = rest.replace(word, "")
        return "" if rest == query else rest
