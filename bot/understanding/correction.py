"""Hearing a typo as the knowledge base's own word: 推货 → 退货, 积份 → 积分, 敏敢肌 → 敏感肌.

A stretch of 2-4 characters that sounds like a word of the knowledge base (same sound keys, see
sound.py), is not that word, differs from it in at most half its characters and is no more common in
the language than it (jieba's word frequencies) is read as that word. The matcher scores both
readings and keeps the corrected one only when it explains the message better, so a real word that
happens to sound like a knowledge-base word (加个 / 价格) costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.understanding.sound import Sounds

LONGEST = 4
RARE = 10  # a typed word jieba saw fewer than half this often is as good as unknown (泛洪 2 against 泛红 3)


class Corrector:
    def __init__(self, words: Iterable[str], sounds: Sounds, frequency: Callable[[str], int],
                 canonical: dict[str, str] | None = None, grammar: Iterable[str] = (),
                 adverbs: Iterable[str] = ()) -> None:
        canonical = canonical or {}
        # one-character adverbs (又, 也, 越): plain Chinese that a skin word may sound like (脸又红 / 脸油)
        self.adverbs = frozenset(adverbs)
        # one-character question cues and fillers (能, 吗): a dictionary word that ends or starts with one is
        # also a boundary there, so 敏感机能用 (敏感 + 机能 + 用) can be heard as 敏感肌 + 能用
        self.edges = frozenset(g for g in grammar if len(g) == 1)
        self.sounds = sounds
        self.frequency = frequency
        self.known: set[str] = set()
        self.by_sound: dict[tuple[str, ...], tuple[str, str]] = {}  # sound → (the word, what it means)
        ambiguous: set[tuple[str, ...]] = set()
        for word in words:
            if not 2 <= len(word) <= LONGEST or not all("\u4e00" <= c <= "\u9fff" for c in word):
                continue
            self.known.add(word)
            key = tuple(sounds.key(c) for c in word)
            meant = canonical.get(word, word)
            known = self.by_sound.get(key)
            if known is not None and known[1] != meant:
                ambiguous.add(key)
            if known is None or frequency(word) > frequency(known[0]):  # spellings of one word: the usual one
                self.by_sound[key] = (word, meant)
        for key in ambiguous:
            del self.by_sound[key]  # two words sound the same: a typo cannot tell which

    def __call__(self, text: str, words: list[str]) -> tuple[str, list[tuple[str, str]]]:
        """The text (cut into `words`) with typos read as knowledge-base words, and the (typed, meant) pairs.

        A stretch is only read anew when it starts and ends where words do: 几岁了 is 几岁 + 了, so 岁了
        is never heard as 碎了 (a word's first or last character that is a one-character cue or filler, 能 of
        机能, counts as a word of its own here)."""
        if not self.by_sound or len(text) < 2:
            return text, []
        bounds = {0}
        position = 0
        edges = self.edges
        for word in words:
            if len(word) > 1 and word[0] in edges:
                bounds.add(position + 1)
            position += len(word)
            bounds.add(position)
            if len(word) > 1 and word[-1] in edges:
                bounds.add(position - 1)
        keys = list(map(self.sounds.key, text))
        out: list[str] = []
        fixes: list[tuple[str, str]] = []
        i = 0
        while i < len(text):
            typed, meant = self._at(text, keys, i, bounds)
            if typed != meant:
                fixes.append((typed, meant))
            out.append(meant)
            i += len(typed)
        return "".join(out), fixes

    def _at(self, text: str, keys: list[str], i: int, bounds: set[int]) -> tuple[str, str]:
        """The longest known or correctable stretch starting at i, as (typed, meant)."""
        known, starts = self.known, i in bounds
        for length in range(min(LONGEST, len(text) - i), 1, -1):
            typed = text[i : i + length]
            if typed in known:
                return typed, typed
            if not starts or i + length not in bounds:
                continue
            found = self.by_sound.get(tuple(keys[i : i + length]))
            if found is None:
                continue
            word, meant = found
            if any(a != b and (a in self.edges or (a in self.adverbs and at in (0, length - 1))
                               or _framing(text, a, i, length))
                   for at, (a, b) in enumerate(zip(typed, word, strict=True))):
                continue  # 脸有点红, 脸又红 are not 脸油: a cue, filler or adverb typed (有, 能, 又) is that word;
                # an adverb inside a longer stretch is a typo (保直期 → 保质期: 直 of 一直 modifies nothing there)
            differ = sum(a != b for a, b in zip(typed, word, strict=True))
            if differ * 2 <= length and self.frequency(typed) * 2 < max(RARE, self.frequency(word)):
                return typed, meant
        return text[i], text[i]


def _framing(text: str, char: str, start: int, length: int) -> bool:
    """The character frames one character twice (X红X痒: 又红又痒, 越用越干, 边走边看): a pattern, not a typo."""
    at = text.find(char, start, start + length)
    return (at >= 2 and text[at - 2] == char) or (at + 2 < len(text) and text[at + 2] == char)
