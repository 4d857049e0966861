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

import zhconv.zhconv as _zhconv

from bot.variants import Variants

_REPEATS = re.compile(r"(\D)\1+")  # 好好好 → 好; digits stay (100以内, 双11)
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
    def __init__(self, variants: Mapping[str, str] | None = None, emoji: Mapping[str, str] | None = None) -> None:
        self._variants = Variants({base_normalize(k): base_normalize(v) for k, v in (variants or {}).items()})
        # a message of nothing but emoji (👍, 🙏🙏) is read as the words the operator gave it (好的, 谢谢)
        self._emoji = {key: word for key, word in ((_bare(k), base_normalize(v)) for k, v in (emoji or {}).items())
                       if key and word}

        self.memo: dict[str, str] | None = None  # while one message is read: its clauses are normalised once

    def __call__(self, text: str) -> str:
        memo = self.memo
        if memo is not None and (known := memo.get(text)) is not None:
            return known
        normalized = base_normalize(text)
        if not normalized and self._emoji:
            normalized = self._emoji_word(text)
        normalized = self._variants.replace(normalized) if self._variants else normalized
        if memo is not None:
            memo[text] = normalized
        return normalized

    def _emoji_word(self, text: str) -> str:
        bare = _bare(text[:MAX_INPUT])
        found = [(at, key) for key in self._emoji if (at := bare.find(key)) >= 0]
        return self._emoji[min(found)[1]] if found else ""  # the first one she sent


def _bare(text: str) -> str:
    """Emoji as typed, without the variation selector and skin tones (❤️ and ❤ are one heart, 👍🏻 is 👍)."""
    return "".join(ch for ch in text if ch != "\ufe0f" and not "\U0001f3fb" <= ch <= "\U0001f3ff" and not ch.isspace())


_CLAUSE = re.compile(r"[?？!！。；;，,\s]+")


def clauses(text: str) -> list[str]:
    """Split a message that may hold several questions at its punctuation."""
    return [part for part in _CLAUSE.split(text[:MAX_INPUT]) if part.strip()]
