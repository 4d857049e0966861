"""One normalisation for content and customer input alike.

NFKC (full-width → half-width, ① → 1), lower case, traditional → simplified (a one-character table
taken from zhconv, applied with str.translate: fast), then only letters and digits are kept
(punctuation, emoji, spaces and control characters go) and runs of one repeated character collapse
(好好好好 → 好). Operator-defined variants (vx → 微信, 七天 → 7天) are applied last, longest first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

import ahocorasick
import zhconv.zhconv as _zhconv

_REPEATS = re.compile(r"(.)\1+")
MAX_INPUT = 500  # characters looked at; a 5,000-character paste is cut, not scanned


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    _zhconv.getdict("zh-cn")
    mapping = _zhconv.zhcdicts["zh2Hans"]
    return {ord(k): v for k, v in mapping.items() if len(k) == 1 and len(v) == 1 and k != v}


_NOT_WORD = re.compile(r"[\W_]+")  # anything but letters and digits: punctuation, emoji, spaces, controls


def base_normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT]).lower().translate(_t2s_table())
    return _REPEATS.sub(r"\1", _NOT_WORD.sub("", text))


class Normalizer:
    def __init__(self, variants: Mapping[str, str] | None = None) -> None:
        self._automaton: ahocorasick.Automaton | None = None
        pairs = {base_normalize(k): base_normalize(v) for k, v in (variants or {}).items()}
        pairs = {k: v for k, v in pairs.items() if k and k != v}
        if pairs:
            automaton = ahocorasick.Automaton()
            for variant, canonical in pairs.items():
                automaton.add_word(variant, (len(variant), canonical))
            automaton.make_automaton()
            self._automaton = automaton

    def __call__(self, text: str) -> str:
        normalized = base_normalize(text)
        if self._automaton is None or not normalized:
            return normalized
        return self._replace(normalized)

    def _replace(self, text: str) -> str:
        assert self._automaton is not None
        # choose leftmost-longest matches, without overlaps
        best: dict[int, tuple[int, str]] = {}
        for end, (length, canonical) in self._automaton.iter(text):
            start = end - length + 1
            if start not in best or best[start][0] < length:
                best[start] = (length, canonical)
        if not best:
            return text
        out: list[str] = []
        position = 0
        for start in sorted(best):
            if start < position:
                continue
            length, canonical = best[start]
            out.append(text[position:start])
            out.append(canonical)
            position = start + length
        out.append(text[position:])
        return "".join(out)


_CLAUSE = re.compile(r"[?？!！。；;，,\s]+")


def clauses(text: str) -> list[str]:
    """Split a message that may hold several questions at its punctuation."""
    return [part for part in _CLAUSE.split(text[:MAX_INPUT]) if part.strip()]
