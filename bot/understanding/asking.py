"""Whether a message asks something: a kind of question (多久, 怎么), an A-not-A question (含不含), a question
ending (吗) or word (有没有) anywhere, a question mark, or a clause before the last that ends as a question
(会过敏吗 我是敏感肌). The matcher reads a message that asks nothing as a statement (docs/understanding.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.understanding.analysis import Analysis
from bot.understanding.normalize import clauses


class Asking:
    def __init__(self, normalize: Callable[[str], str], endings: Sequence[str], words: Sequence[str]) -> None:
        self.normalize = normalize
        self.endings = [e for e in map(normalize, endings) if e]
        self.words = [w for w in map(normalize, words) if w]

    def __call__(self, text: str, normalized: str, analysis: Analysis) -> bool:
        if analysis.kinds or analysis.either_or or "?" in text or "？" in text:
            return True
        if any(normalized.endswith(ending) for ending in self.endings) or any(w in normalized for w in self.words):
            return True
        parts = clauses(text)  # 会过敏吗 我是敏感肌: a clause that ends as a question asks, wherever it stands
        return len(parts) > 1 and any(self.normalize(part).endswith(ending) for part in parts[:-1]
                                      for ending in self.endings)
