"""Whose skin a message talks about: 我老公油皮 is her husband's, not hers.

The codebook's `others` (老公, 男朋友, 我妈, 闺蜜…) name other people. In a normalised message (no
punctuation left), what follows a person named belongs to that person until the next one is named: 我 or 自己
is the customer, a word of `others` (with 我, 我的 or 我家 in front: 我老公) someone else, and before anyone is
named it is the customer's. A person named right after 和 / 跟 / 与 shares what the one before says
(我和我老公都是油皮: hers too). 我是干皮我老公油皮 is 我是干皮 (hers) and 我老公油皮 (someone else's).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_JOINED = "和跟与"  # 我和我老公: both
_SELF = re.compile("自己|我")


class Others:
    def __init__(self, words: Iterable[str], normalize: Callable[[str], str]) -> None:
        people = sorted({n for n in map(normalize, words) if n}, key=len, reverse=True)
        alternatives = "|".join(map(re.escape, people))
        self._people = re.compile(f"(?:我的|我家|我)?(?:{alternatives})") if people else None

    def named(self, text: str) -> str:
        """The first other person a normalised text names (送给我妈 → 妈; 买给女朋友 → 女朋友), "" when none."""
        found = self._people.search(text) if self._people is not None else None
        name = re.sub("^(?:我的|我家|我)", "", found.group()) if found else ""
        return name * 2 if len(name) == 1 else name  # 我妈 → 妈妈

    def split(self, text: str) -> tuple[str, str]:
        """(what the message says about her, what it says about someone else); ("", "") for no text."""
        if self._people is None:
            return text, ""
        marks: list[tuple[int, bool]] = []  # (where a person is named, someone else?)
        taken: set[int] = set()
        for found in self._people.finditer(text):
            taken.update(range(found.start(), found.end()))
            if not (found.start() and text[found.start() - 1] in _JOINED):
                marks.append((found.start(), True))
        if not marks:
            return text, ""
        marks += [(found.start(), False) for found in _SELF.finditer(text) if found.start() not in taken]
        hers: list[str] = []
        theirs: list[str] = []
        at, other = 0, False
        for start, someone_else in sorted(marks):
            (theirs if other else hers).append(text[at:start])
            at, other = start, someone_else
        (theirs if other else hers).append(text[at:])
        return "".join(hers), "".join(theirs)
