"""Whether a message asks something: a kind of question (多久, 怎么), an A-not-A question (含不含), a question
ending (吗) or word (有没有) anywhere, a question mark, a clause before the last that ends as a question
(会过敏吗 我是敏感肌), or a choice between two alternatives: 早上用还是晚上, 先用水还是先用精华 — 还是 between
two times (jieba's tag t), or before a word said before it (QA round 13), or right after a question ending
(要停吗还是坚持). 还是 meaning "still" (用了还是长痘,
今天还是没到, 我还是晚上用吧) has no such pair around it. The matcher reads a message that asks nothing as a
statement (docs/understanding.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.understanding.analysis import Analysis
from bot.understanding.normalize import clauses
from bot.understanding.segment import SEGMENTER

CHOICE = "还是"  # A还是B: which of the two


class Asking:
    def __init__(self, normalize: Callable[[str], str], endings: Sequence[str], words: Sequence[str],
                 negations: Sequence[str] = ()) -> None:
        self.normalize = normalize
        self.endings = [e for e in map(normalize, endings) if e]
        self.words = [w for w in map(normalize, words) if w]
        # a negation holding a question word asks nothing: 没什么效果, 没什么钱 tell (QA round 16)
        self.telling = sorted((n for n in map(normalize, negations) if any(w in n for w in self.words)), key=len,
                              reverse=True)
        self.times = SEGMENTER.tagged(b"t")  # 早上, 晚上, 白天
        # a question ending right before 还是 asks A or B (要停吗还是坚持, engread); not 不 (用了不还是一样 tells)
        self.choosing = [e for e in self.endings if e not in {n for n in map(normalize, negations) if n}]

    def __call__(self, text: str, normalized: str, analysis: Analysis) -> bool:
        if analysis.kinds or analysis.either_or or "?" in text or "？" in text:
            return True
        said = normalized
        for negation in self.telling:
            said = said.replace(negation, "")
        if any(normalized.endswith(ending) for ending in self.endings) or any(w in said for w in self.words):
            return True
        if CHOICE in normalized and any(self._choice(self.normalize(part)) for part in clauses(text)):
            return True
        if any(ending + CHOICE in normalized for ending in self.choosing):  # 要停吗还是坚持: A吗 还是 B
            return True
        parts = clauses(text)  # 会过敏吗 我是敏感肌: a clause that ends as a question asks, wherever it stands
        return len(parts) > 1 and any(self.normalize(part).endswith(ending) for part in parts[:-1]
                                      for ending in self.endings)

    def _choice(self, clause: str) -> bool:
        """早上用还是晚上: 还是 between two alternatives of one clause — two times, or a word said again after it."""
        words = SEGMENTER.cut(clause)
        for at, word in enumerate(words[1:-1], start=1):
            if word != CHOICE:
                continue
            before, after = words[:at], words[at + 1]
            if after in before or (after in self.times and any(w in self.times for w in before)):
                return True
        return False
