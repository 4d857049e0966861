"""Sound keys: characters that a pinyin keyboard confuses share a key.

Customers type with a pinyin input method, so most typos are another character with the same sound
(敏敢肌 for 敏感肌, 积份 for 积分, 推货 for 退货). A character's key is its toneless pinyin, folded the
way regional accents blur it (zh/ch/sh → z/c/s, n → l, -ang/-eng/-ing → -an/-en/-in), so that
near-homophones also meet. Operators add characters that look alike (己已) as `confusions` in
knowledge/matching.yaml: each group is read with its first character's sound.
Nothing here is a data list: the keys come from pypinyin's readings and these folding rules.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import lru_cache

# Single characters only: pypinyin's phrase dictionary (44 MB resident) is never needed.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

from pypinyin import Style, lazy_pinyin

_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))


def fold(syllable: str) -> str:
    for accent, plain in _INITIALS:
        if syllable.startswith(accent) and syllable != "ng":
            syllable = plain + syllable[len(accent):]
            break
    for accent, plain in _FINALS:
        if syllable.endswith(accent):
            return syllable[: -len(accent)] + plain
    return syllable


@lru_cache(maxsize=65536)
def _key(char: str) -> str:
    if not "\u4e00" <= char <= "\u9fff":
        return char
    reading = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return fold(reading[0]) if reading else char


class Sounds:
    """Sound keys of characters, with the operator's groups of look-alike characters."""

    def __init__(self, confusions: Iterable[str] = ()) -> None:
        self._same: dict[str, str] = {}
        self._keys: dict[str, str] = {}
        for group in confusions:
            chars = [c for c in group if not c.isspace()]
            for char in chars[1:]:
                self._same[char] = chars[0]

    def key(self, char: str) -> str:
        found = self._keys.get(char)
        if found is None:
            found = self._keys[char] = _key(self._same.get(char, char))
        return found
