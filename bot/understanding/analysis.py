"""From a normalised message to the evidence the matcher weighs.

A message is cut into words (jieba, with the knowledge base's own vocabulary added so that its words
stay whole), words are mapped to their synonym group's first word, and every word is classed:
- filler (请问, 一下, 呀, 吗): no weight at all;
- a question-kind cue (多久, 怎么, 能不能 …): not evidence of the topic, but the kind of question;
- a negation (不想, 别 …): the next word becomes its negated form (不想退 → ¬退), so it no longer
  matches 退 and a clash is visible;
- otherwise content. Content gives four kinds of features: the word itself, its characters, character
  pairs across neighbouring content words, and the same pairs as sound keys (pinyin, see sound.py),
  which is what recovers typos (features.py). Each kind has a factor; the index multiplies it by the feature's
  rarity.
The question kinds asked are features too (k|how_long): what is asked is part of what is said, so a
message and a phrasing that ask the same kind share that evidence, and one that asks a kind the other
does not leaves it unexplained or unsaid. They only refine a score: no phrasing is found by its kind.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from bot.understanding.features import FACTORS as FACTORS
from bot.understanding.features import NEGATED as NEGATED
from bot.understanding.features import Features
from bot.understanding.knowledge import Language
from bot.understanding.segment import SEGMENTER
from bot.understanding.sound import Sounds

KIND = "k|"
_PARTICLES = frozenset("了完过的")  # what splits a verb-object word: 付完款, 下的单, 发了货
_LATIN = re.compile(r"[\x00-\x7f]")  # a text without it (or all of it) has no word of letters and characters to join




@dataclass(frozen=True, slots=True)
class Analysis:
    text: str  # normalised
    words: tuple[str, ...]  # content words after synonyms; negated ones start with ¬
    kinds: frozenset[str]
    features: dict[str, float]  # feature → factor (before rarity)
    either_or: bool = False  # an A-not-A question (含不含, 包不包邮): asks, and negates nothing

    @property
    def empty(self) -> bool:
        """Nothing to match: no content word (a question kind alone, 多少钱, says no topic)."""
        return len(self.features) == len(self.kinds)


class Analyzer:
    def __init__(self, language: Language, vocabulary: Iterable[str] = ()) -> None:
        self.filler = {w for w in language.filler}
        self.negations = set(language.negations)
        self.negation_ends = frozenset(language.negation_ends)
        self.canonical: dict[str, str] = {}
        for group in language.synonyms:
            for word in group[1:]:
                self.canonical.setdefault(word, group[0])
        self.sounds = Sounds(language.confusions)
        self.known: frozenset[str] = frozenset()  # the words the knowledge base uses (set once it is indexed)
        self._features = Features(self.sounds)  # features.py: words → the features the index weighs
        self.minor = SEGMENTER.minor_words()
        self._kinds: ahocorasick.Automaton | None = None
        cues = [(cue, kind) for kind, words in language.kinds.items() for cue in words]
        # a one-character cue (能) counts only as a word of its own, never inside another (功能)
        self.single_cues = {cue: kind for cue, kind in cues if len(cue) == 1}
        if len(self.single_cues) < len(cues):
            automaton = ahocorasick.Automaton()
            for cue, kind in cues:
                if len(cue) > 1:
                    automaton.add_word(cue, (len(cue), kind))
            for negation in language.negations:  # 不怎么 holds the cue 怎么 but asks nothing: a negation
                if any(cue in negation for cue, _ in cues if len(cue) > 1):
                    automaton.add_word(negation, (len(negation), ""))
            automaton.make_automaton()
            self._kinds = automaton
        self.cue_words = {cue for cue, _ in cues}
        self.grammar = self.filler | self.negations | self.cue_words  # words never re-cut with their neighbours
        long_cues = [cue for cue in self.cue_words if len(cue) > 1]
        own = [w for w in vocabulary if not any(cue in w for cue in long_cues)]  # 什么时候发货 stays apart
        # a word of Latin letters and characters (a醇) is cut in two by the segmenter: joined again
        self.mixed = frozenset(w for w in own if not w.isascii() and any(c.isascii() for c in w))
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
            if kind:
                found.add(kind)
                spans.append((start, start + length))
            position = start + length
        return frozenset(found), spans

    def __call__(self, text: str, cut: list[str] | None = None) -> Analysis:
        """`cut`: SEGMENTER.cut(text) when the caller has it already (it is only read)."""
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
        canonical = self.canonical
        tokens = self._tokens(text, spans, cut)
        known = self.known
        minor = self.minor if known else frozenset()
        either_or = False
        for index, token in enumerate(tokens):
            start, position = position, position + len(token)
            if token in negations and 0 < index < len(tokens) - 1 and tokens[index - 1][-1] in (
                    tokens[index + 1][0], token[-1]):
                # 含 不 含酒精, 还有 没有 货: one question, the verb said again after the negation or inside it
                either_or = True
                if words and runs[-1] and runs[-1][-1] == self.canonical.get(tokens[index - 1], tokens[index - 1]):
                    runs[-1].pop()
                    words.pop()
                continue
            if token in single_cues:
                kinds.add(single_cues[token])
            if token in cue_words or (spans and 1 not in outside[start:position]):
                runs.append([])
                negate = False
            elif token in negations:
                runs.append([])
                negate = True
            elif token in filler or (token in minor and not negate and token not in canonical and token not in known):
                negate = negate and token not in self.negation_ends
                runs.append([])  # a quantity, time or function word the base never uses (一瓶, 昨天, 从)
            else:
                word = self.canonical.get(token, token)
                if negate:
                    word = NEGATED + word
                    runs.append([])
                    negate = False
                words.append(word)
                runs[-1].append(word)
        features = self._features(runs)
        kind_factor = FACTORS["k"]
        for kind in kinds:
            features[KIND + kind] = kind_factor
        return Analysis(text, tuple(words), frozenset(kinds), features, either_or)

    def _tokens(self, text: str, spans: list[tuple[int, int]], cut: list[str] | None = None) -> list[str]:
        """Words, with a question cue always a word of its own (怎样才能 is 怎样 + 才能, 怎么样 stays whole),
        and a word the knowledge base never uses cut around one it does (礼盒装 → 礼盒 + 装)."""
        tokens = SEGMENTER.cut(text) if cut is None else cut
        if self.mixed and len(tokens) > 1 and not text.isascii() and _LATIN.search(text):
            tokens = self._mixed(tokens)
        if self.known:
            tokens = self._rejoin([piece for token in tokens for piece in self._around_known(token)])
        if not spans:
            return tokens
        pieces: list[str] = []
        position = 0
        for token in tokens:
            end = position + len(token)
            inside = [(max(s, position), min(e, end)) for s, e in spans if s < end and e > position]
            if inside and (inside[0][0] > position or inside[-1][1] < end):
                cuts = sorted({position, end, *(edge for span in inside for edge in span)})
                parts = [text[a:b] for a, b in itertools.pairwise(cuts)]
                if all(len(part) > 1 for part in parts):  # 怎样才能 → 怎样 + 才能; 怎么样 stays whole
                    pieces.extend(parts)
                    position = end
                    continue
            pieces.append(token)
            position = end
        return pieces

    def _mixed(self, tokens: list[str]) -> list[str]:
        """a + 醇 → a醇 when the knowledge base uses a醇 (also a + 醇和 → a醇 + 和)."""
        joined: list[str] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            if following and token.isascii() != following.isascii():
                for size in range(len(following), 0, -1):
                    if token + following[:size] in self.mixed:
                        joined.append(token + following[:size])
                        if following[size:]:
                            joined.append(following[size:])
                        index += 2
                        break
                else:
                    joined.append(token)
                    index += 1
                continue
            joined.append(token)
            index += 1
        return joined

    def _rejoin(self, tokens: list[str]) -> list[str]:
        """A knowledge-base word the dictionary cut apart is one word again: split by an aspect particle
        (付完款 → 付款, 下的单 → 下单, 发了货 → 发货), or across two words the base never uses (团 + 购价 →
        团购 + 价)."""
        if len(tokens) < 2:
            return tokens
        known, canonical = self.known, self.canonical
        joined: list[str] = []
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if index + 1 < len(tokens) and len(token) + len(tokens[index + 1]) <= 4:
                following = tokens[index + 1]
                if not (canonical.get(token, token) in known or canonical.get(following, following) in known
                        or token in self.grammar or following in self.grammar):
                    pieces = self._around_known(token + following)
                    if len(pieces) == 2 and pieces[0] != token:
                        joined.extend(pieces)
                        index += 2
                        continue
            if (index + 2 < len(tokens) and len(token) == 1 and tokens[index + 1] in _PARTICLES
                    and len(tokens[index + 2]) == 1):
                word = token + tokens[index + 2]
                if canonical.get(word, word) in known:
                    joined.append(word)
                    index += 3
                    continue
            joined.append(token)
            index += 1
        return joined

    def _around_known(self, token: str) -> list[str]:
        """礼盒装 → 礼盒 + 装, 团购价 → 团购 + 价: the longest knowledge-base word at either end of a word the
        knowledge base never uses, when what is left is a word of its own or one character."""
        known, canonical = self.known, self.canonical
        if len(token) < 3 or token.isascii() or canonical.get(token, token) in known:
            return [token]
        for size in range(len(token) - 1, 1, -1):
            for head, tail in ((token[:size], token[size:]), (token[-size:], token[:-size])):
                if canonical.get(head, head) in known and (len(tail) == 1 or SEGMENTER.frequency(tail)):
                    return [head, tail] if token.startswith(head) else [tail, head]
        return [token]
