"""Operator-declared variants (威信 → 微信, 咋 → 怎么) replaced by their canonical form in one pass.

Shared by the matcher's normaliser (bot/understanding/normalize.py) and the moderation text folding
(bot/moderation/text.py): leftmost-longest matches, never overlapping, found by one Aho-Corasick automaton.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ahocorasick


class Variants:
    def __init__(self, pairs: Mapping[str, str], keep: Iterable[str] = ()) -> None:
        """`pairs` maps a variant to its canonical form, both already normalised; empty or unchanged pairs
        are ignored. `keep`: words left as they are, so that a shorter variant inside them is not replaced
        (亲 → "" drops the address 亲; 相亲 and 亲肤 are kept — not 母亲: docs/understanding.md)."""
        kept = {variant: canonical for variant, canonical in pairs.items() if variant and variant != canonical}
        kept.update((word, word) for word in keep if word and word not in kept)
        self._automaton: ahocorasick.Automaton | None = None
        if kept:
            automaton = ahocorasick.Automaton()
            for variant, canonical in kept.items():
                automaton.add_word(variant, (len(variant), canonical))
            automaton.make_automaton()
            self._automaton = automaton

    def __bool__(self) -> bool:
        return self._automaton is not None

    def pieces(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, canonical) of each replacement, in order: leftmost-longest, without overlaps."""
        if self._automaton is None or not text:
            return []
        best: dict[int, tuple[int, str]] = {}
        for end, (length, canonical) in self._automaton.iter(text):
            start = end - length + 1
            if start not in best or best[start][0] < length:
                best[start] = (length, canonical)
        pieces = []
        position = 0
        for start in sorted(best):
            if start < position:
                continue
            length, canonical = best[start]
            pieces.append((start, start + length, canonical))
            position = start + length
        return pieces

    def replace(self, text: str) -> str:
        return splice(text, self.pieces(text))


def splice(text: str, pieces: list[tuple[int, int, str]]) -> str:
    """text with each (start, end, canonical) piece put in place."""
    if not pieces:
        return text
    out, position = [], 0
    for start, end, canonical in pieces:
        out.append(text[position:start])
        out.append(canonical)
        position = end
    out.append(text[position:])
    return "".join(out)
