"""What an operator could have meant by a name that does not exist: the valid names, or the closest few.

`intent: afirm` is a typo of affirm; the message says so (“是不是 affirm？”) instead of leaving the operator to
open intents.yaml and search. Few names are listed in full; of many, the closest (difflib) are named.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

LIST_ALL = 8  # up to this many valid names are all listed
CLOSEST = 3
LIST_MANY = 30  # nothing close: up to this many are still listed (one long line beats a search)


def one_of(name: str, valid: Iterable[str]) -> str:
    """A short Chinese clause naming what can be written instead of `name` (no trailing punctuation)."""
    names = sorted(set(valid))
    if not names:
        return "现在一个都还没有写"
    close = difflib.get_close_matches(name, names, n=CLOSEST, cutoff=0.5)
    if len(names) <= LIST_ALL:
        listed = f"可以写：{' / '.join(names)}"
        if close and len(names) == 1:
            return f"是不是 {close[0]}？"
        return f"是不是 {close[0]}？{listed}" if close else listed
    if close:
        return f"是不是 {' / '.join(close)}？"
    if len(names) <= LIST_MANY:
        return f"可以写：{' / '.join(names)}"
    return f"可以写的有 {len(names)} 个，例如 {' / '.join(names[:CLOSEST])}"


def misspelt(name: str, written: Iterable[str], where: str) -> str:
    """“（messages 里有 “fallbak”，是不是它写错了？）” when `where` holds a name close to the missing one."""
    close = difflib.get_close_matches(name, list(written), n=1, cutoff=0.75)
    return f"（{where}里有 “{close[0]}”，是不是它写错了？）" if close else ""
