"""Where a phrase of content (a survey answer, a codebook mention, a `together` word) is said in a message.

A phrase is said when it stands in the normalised message as whole words of its cut (segment.py): 脸很干 is
not said in 洗完脸很干净, whose 干 belongs to 干净, and 油 is said in 夏天油冬天干 but not in 油画. It is not
said when a negation of the content (`negations` in knowledge/matching.yaml: 不, 没, 不是, 不怎么, 不太 …)
comes right before it, or with one filler word between them (不是很出油): 不怎么出油, 我不是油皮 say
neither 出油 nor 油皮, while 不是我是油皮 says 油皮.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable

from bot.understanding.segment import SEGMENTER

BUILTIN_NEGATIONS = ("不", "没", "别")  # with no content language at hand


class Phrases:
    """Built once per content load, from the content's negations and filler (normalised)."""

    def __init__(self, normalize: Callable[[str], str], negations: Iterable[str] = BUILTIN_NEGATIONS,
                 filler: Iterable[str] = ()) -> None:
        self.negations = frozenset(n for n in map(normalize, negations) if n)
        self.filler = frozenset(f for f in map(normalize, filler) if f)

    def read(self, text: str) -> Said:
        """The normalised `text`, ready to be asked `phrase in said` for any number of phrases."""
        return Said(text, self)


class Said:
    def __init__(self, text: str, phrases: Phrases) -> None:
        self.text = text
        self.words = SEGMENTER.cut(text) if text else []
        self.starts = list(itertools.accumulate((len(w) for w in self.words), initial=0))
        self.index = {start: number for number, start in enumerate(self.starts)}  # word number at each edge
        self.phrases = phrases

    def __contains__(self, phrase: object) -> bool:
        if not isinstance(phrase, str) or not phrase:
            return False
        at = self.text.find(phrase)
        while at >= 0:
            if at in self.index and at + len(phrase) in self.index and not self._negated(self.index[at]):
                return True
            at = self.text.find(phrase, at + 1)
        return False

    def _negated(self, word: int) -> bool:
        """The word before word number `word`, or the one before that filler word, is a negation."""
        before = self.words[max(0, word - 2):word]
        if before and before[-1] in self.phrases.filler:
            before = before[:-1]
        return bool(before) and before[-1] in self.phrases.negations
