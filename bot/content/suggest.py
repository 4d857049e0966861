"""What an operator could have meant by a name that does not exist: the valid names, or the closest few.

`intent: afirm` is a typo of affirm; the message says so (“是不是 affirm？”) instead of leaving the operator to
open intents.yaml and search. Few names are listed in full; of many, the closest are named. Closest means the
fewest characters typed wrong (edit distance: one left out, one too many, one changed, two swapped), then
difflib's similarity: by similarity alone `survey.skn` and `survey.skip` look as alike as `survey.skin`.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable

LIST_ALL = 8  # up to this many valid names are all listed
CLOSEST = 3
LIST_MANY = 30  # nothing close: up to this many are still listed (one long line beats a search)


def one_of(name: str, valid: Iterable[str]) -> str:
    """A short Chinese clause naming what can be written instead of `name` (no trailing punctuation)."""
    names = sorted(set(valid))
    if not names:
        return "现在一个都还没有写"
    close = closest(name, names, CLOSEST, cutoff=0.5)
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


def maybe(name: str, valid: Iterable[str], cutoff: float = 0.8, braces: bool = False) -> str:
    """“；是不是 icebreak.ask_name_again？” when some valid names are close to `name` (a few typos, or `cutoff`
    alike), else nothing: for a name among many (persona keys, variables) whose full list would not help. A name
    that only goes on after the one written (ask_name → ask_name_again) comes first: its end was left out. A
    channel variant of the name itself (faq.card_note.live of faq.card_note) is not offered: it is the missing
    key's own variant, never what was meant."""
    others = {other for other in valid if other != name and not other.startswith(f"{name}.")}
    longer = sorted((other for other in others if other.startswith(name)), key=len)[:1]
    close = [*longer, *(other for other in closest(name, others, CLOSEST, cutoff) if other not in longer)][:CLOSEST]
    shown = [f"{{{other}}}" if braces else other for other in close]
    return f"；是不是 {' / '.join(shown)}？" if shown else ""


def misspelt(name: str, written: Iterable[str], where: str, taken: Collection[str] = ()) -> str:
    """“（messages 里有 “fallbak”，是不是它写错了？）” when `where` holds a name a typo away from the missing one.

    taken: names needed as they are (keys the engine and the flows use): such a name, or a variant of one
    (`welcome.live` of welcome), is not a misspelling even when it looks alike (`survey.skin` for survey.skip)."""
    spare = [other for other in written if not _taken(other, taken)]
    close = closest(name, spare, 1, cutoff=1.0)  # typos only: a name merely alike is another name
    return f"（{where}里有 “{close[0]}”，是不是它写错了？）" if close else ""


def closest(name: str, names: Iterable[str], n: int, cutoff: float) -> list[str]:
    """Up to n names a few typos from name (or at least `cutoff` alike by difflib), the closest first."""
    scored = []
    for other in names:
        ratio = difflib.SequenceMatcher(None, name, other).ratio()
        typos = distance(name, other)
        if typos <= _typos_allowed(name) or ratio >= cutoff:
            scored.append((typos, -ratio, other))
    return [other for _, _, other in sorted(scored)[:n]]


def distance(a: str, b: str) -> int:
    """Edit distance counting two swapped neighbours as one typo (optimal string alignment)."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[-1]


def _typos_allowed(name: str) -> int:
    """ack → akc is one typo; a short name with two is another name."""
    return 1 if len(name) <= 5 else 2 if len(name) <= 12 else 3


def _taken(name: str, taken: Collection[str]) -> bool:
    parts = name.split(".")
    return any(".".join(parts[:cut]) in taken for cut in range(1, len(parts) + 1))
