"""Normalisation that undoes the evasions of group ads, and remembers where every character came from.

Steps, each a C-level pass (translate tables, regular expressions, automata):

1. fold, one character to one character: NFKC (full-width → half-width, ① → 1, ⓥ → v), lower case,
   traditional → simplified, any digit-like character (❶, 𝟙) → its ASCII digit, and the operator's
   `symbols` (➕ → 加, 🛰 → v);
2. numbers (`digits.py`): digits and Chinese numerals joined across spaces, symbols and emoji; a run of
   Chinese numerals (or homophones making a whole mobile number: 妖耳伞) is written as ASCII digits in the
   compact form, and every run remembers its disguise;
3. stand-alone ASCII tokens from `tokens` (“v”, “q” alone → 微信, qq: “V领” stays);
4. compact form: only letters and digits (spaces, punctuation, emoji and invisible characters between the
   characters of a word are gone, so 兼 ❤ 职 → 兼职);
5. `variants`, longest first, in one Aho-Corasick pass (威信/薇信/vx/weixin → 微信, jianzhi → 兼职).

`Folded` can map each compact character back to the span of the original it came from, so evidence quotes
the customer's own characters and says which steps changed them; the map is built only when a rule found
something.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from bot.moderation.digits import CHINESE_DIGITS, HOMOPHONE, DigitRun, Homophones, digit_runs
from bot.understanding.normalize import _t2s_table
from bot.variants import Variants, splice

MAX_INPUT = 1000  # characters judged; a longer paste is judged on its start

_ASCII_WORD = re.compile(r"[a-z]+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_ALNUM = re.compile(r"[^\W_]+")
_NOT_ALNUM_KEEP_NEWLINE = re.compile(r"[^\w\n]|_")


class _FoldTable(dict[int, str]):
    """ord(char) → one folded character, computed on first sight and cached."""

    def __init__(self, symbols: Mapping[str, str]) -> None:
        super().__init__()
        self._symbols = dict(symbols)
        self._t2s = _t2s_table()

    def __missing__(self, code: int) -> str:
        char = chr(code)
        folded = self._fold(char)
        self[code] = folded
        return folded

    def _fold(self, char: str) -> str:
        if char in self._symbols:
            return self._symbols[char]
        normal = unicodedata.normalize("NFKC", char)
        if len(normal) != 1:
            digit = unicodedata.digit(char, None)
            if digit is not None:
                return str(digit)
            if normal.strip("()") in CHINESE_DIGITS:  # ㈠ is “(一)”
                return normal.strip("()")
            lowered = char.lower()
            return lowered if len(lowered) == 1 else char
        if normal in self._symbols:
            return self._symbols[normal]
        digit = unicodedata.digit(normal, None)
        if digit is not None:
            return str(digit)
        lowered = normal.lower()
        if len(lowered) != 1:
            return normal
        return self._t2s.get(ord(lowered), lowered)


@dataclass
class Folded:
    original: str
    folded: str  # step 1, same length as original
    compact: str
    runs: list[DigitRun]
    changes: list[tuple[int, int, str]] = field(default_factory=list)  # original span, what was changed
    # homophone runs (5-12 digits) that are numbers only right after a contact marker (digits.py)
    candidates: list[DigitRun] = field(default_factory=list)
    # where each compact character came from: built on first use (most messages never need it)
    build_index: Callable[[], tuple[list[int], list[int]]] | None = field(default=None, repr=False)
    _starts: list[int] | None = field(default=None, repr=False)
    _ends: list[int] | None = field(default=None, repr=False)

    def _index(self) -> tuple[list[int], list[int]]:
        if self._starts is None or self._ends is None:
            assert self.build_index is not None
            self._starts, self._ends = self.build_index()
        return self._starts, self._ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of compact[start:end]."""
        starts, ends = self._index()
        if not starts or start >= end:
            return (0, 0)
        return starts[start], ends[end - 1]

    def quote(self, start: int, end: int) -> str:
        first, last = self.span(start, end)
        return self.original[first:last]

    def compact_at(self, original_index: int) -> int:
        """The first compact character that comes from original[original_index:] (len(compact) if none)."""
        starts, _ = self._index()
        return bisect.bisect_left(starts, original_index)

    def how(self, first: int, last: int) -> str:
        """The normalisation steps that touched original[first:last], for the explanation."""
        self._index()  # variant replacements are recorded while the index is built
        original = self.original[first:last]
        if not self.changes and original == self.folded[first:last] and original.isalnum():
            return ""  # written as matched: nothing to explain
        notes: list[str] = []
        for start, end, note in self.changes:
            if start < last and end > first and note not in notes:
                notes.append(note)
        if original and original != self.folded[first:last] and not notes:
            notes.append("全角/繁体/大小写归一")
        if _NOT_ALNUM.search(original):
            notes.append("去掉字间的空格和符号")
        return "，".join(notes)

    def bounded(self, start: int, end: int) -> bool:
        """Whether compact[start:end] is not glued to other ASCII letters in the original (for latin words)."""
        first, last = self.span(start, end)
        before = self.folded[first - 1] if first > 0 else " "
        after = self.folded[last] if last < len(self.folded) else " "
        return not (before.isascii() and before.isalpha()) and not (after.isascii() and after.isalpha())


def _positions(joined: str) -> tuple[list[int], list[int]]:
    starts: list[int] = []
    for word in _ALNUM.finditer(joined):
        starts.extend(range(*word.span()))
    return starts, [i + 1 for i in starts]




class TextNormalizer:
    def __init__(self, symbols: Mapping[str, str] | None = None, tokens: Mapping[str, str] | None = None,
                 variants: Mapping[str, str] | None = None, digits: Mapping[str, int] | None = None) -> None:
        self._fold = _FoldTable(symbols or {})
        # homophones of digits (妖 → 1), keyed as they look once folded (兩 → 两)
        self._homophones = Homophones({key.translate(self._fold): str(value) for key, value in (digits or {}).items()})
        self._symbols = re.compile("|".join(map(re.escape, symbols))) if symbols else None
        self._tokens = {k.lower(): v for k, v in (tokens or {}).items()}
        self._variants = Variants({self.word(k, variants=False): self.word(v, variants=False)
                                   for k, v in (variants or {}).items()})

    @property
    def homophones(self) -> Homophones:
        return self._homophones

    def word(self, text: str, *, variants: bool = True) -> str:
        """Normalise a word from content the way messages are normalised (without the index bookkeeping)."""
        compact = _NOT_ALNUM.sub("", text.translate(self._fold))
        if variants and self._variants:
            compact = self._variants.replace(compact)
        return compact

    def words(self, words: list[str]) -> list[str]:
        """`word` for many words at once (a 51k-word lexicon): one translate, one substitution, one pass."""
        joined = "\n".join(w.replace("\n", " ") for w in words).translate(self._fold)
        compact = _NOT_ALNUM_KEEP_NEWLINE.sub("", joined)
        if self._variants:
            compact = self._variants.replace(compact)
        return compact.split("\n")

    def fold(self, text: str) -> Folded:
        original = text[:MAX_INPUT]
        folded = original.translate(self._fold)
        changes: list[tuple[int, int, str]] = []
        if self._symbols is not None:
            for match in self._symbols.finditer(original):
                changes.append((match.start(), match.end(), f"{match.group()}→{folded[match.start()]}"))
        runs, candidates = digit_runs(original, folded, changes, self._homophones)
        joined = folded
        spelt = ("中文数字", HOMOPHONE)
        if any(run.disguise in spelt for run in runs):
            chars = list(folded)
            for run in runs:
                if run.disguise in spelt:
                    digits = iter(run.digits)
                    for index in range(run.start, run.end):
                        if chars[index].isdigit() or chars[index] in CHINESE_DIGITS or chars[index] in self._homophones:
                            chars[index] = next(digits)
            joined = "".join(chars)
        compact = _NOT_ALNUM.sub("", joined)
        tokens = self._tokens_in(original, folded, changes) if self._tokens else []
        if tokens:  # rare: tokens change the compact form, so the index is needed now
            starts, ends = _positions(joined)
            compact, starts, ends = self._splice_tokens(tokens, compact, starts, ends)
            pieces = self._variants.pieces(compact)
            compact, starts, ends = self._splice(compact, starts, ends, pieces, changes)
            return Folded(original, folded, compact, runs, changes, candidates, None, starts, ends)
        pieces = self._variants.pieces(compact)
        base = compact

        def build_index() -> tuple[list[int], list[int]]:
            starts, ends = _positions(joined)
            _, starts, ends = self._splice(base, starts, ends, pieces, changes)
            return starts, ends

        return Folded(original, folded, splice(compact, pieces) if pieces else compact, runs, changes,
                      candidates, build_index)

    def _tokens_in(self, original: str, folded: str,
                   changes: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """Stand-alone latin tokens to replace, as spans of the original."""
        replaced: list[tuple[int, int, str]] = []
        for match in _ASCII_WORD.finditer(folded):
            canonical = self._tokens.get(match.group())
            if canonical is None:
                continue
            start, end = match.span()
            # judged on what the customer typed: “V➕” is a token even though ➕ folds to 加
            after = unicodedata.normalize("NFKC", original[end])[:1] if end < len(original) else " "
            before = folded[start - 1] if start > 0 else " "
            if (before.isascii() and before.isalpha()) or after.isalpha():
                continue  # part of a word (“vivo”) or of a hanzi word (“V领”, “V信”): not a marker
            replaced.append((start, end, canonical))
            changes.append((start, end, f"{match.group()}→{canonical}"))
        return replaced

    @staticmethod
    def _splice_tokens(replaced: list[tuple[int, int, str]], compact: str, starts: list[int],
                       ends: list[int]) -> tuple[str, list[int], list[int]]:
        out: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pending = iter(replaced)
        current = next(pending, None)
        for char, first, last in zip(compact, starts, ends, strict=True):
            if current is not None and first >= current[1]:
                current = next(pending, None)
            if current is not None and current[0] <= first < current[1]:
                if first == current[0]:
                    out.extend(current[2])
                    new_starts.extend([current[0]] * len(current[2]))
                    new_ends.extend([current[1]] * len(current[2]))
                continue
            out.append(char)
            new_starts.append(first)
            new_ends.append(last)
        return "".join(out), new_starts, new_ends

    @staticmethod
    def _splice(compact: str, starts: list[int], ends: list[int], pieces: list[tuple[int, int, str]],
                changes: list[tuple[int, int, str]]) -> tuple[str, list[int], list[int]]:
        if not pieces:
            return compact, starts, ends
        new_starts: list[int] = []
        new_ends: list[int] = []
        position = 0
        for start, end, canonical in pieces:
            new_starts.extend(starts[position:start])
            new_ends.extend(ends[position:start])
            first, last = starts[start], ends[end - 1]
            new_starts.extend([first] * len(canonical))
            new_ends.extend([last] * len(canonical))
            changes.append((first, last, f"{compact[start:end]}→{canonical}" if canonical else
                            f"忽略{compact[start:end]}"))
            position = end
        new_starts.extend(starts[position:])
        new_ends.extend(ends[position:])
        return splice(compact, pieces), new_starts, new_ends
