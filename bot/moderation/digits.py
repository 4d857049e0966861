"""Numbers as group ads write them: digits joined across spaces, symbols and emoji, Chinese numerals,
circled and keycap digits, homophones; each run remembers whether (and how) it was disguised.

“1 3 8”, “①③⑧”, “1️⃣3️⃣8️⃣”, “一三八”, “壹叁捌”, “幺” all read as 138. A Chinese numeral that begins or ends a
word (一直, 七天, 第一) is not part of a number. A number is disguised when it is spelt in Chinese numerals,
emoji or circled digits, split digit by digit, or broken by symbols people do not use in numbers.

Homophones (妖耳伞 = 123, 两, 洞 = 0, 拐 = 7, 勾 = 9: the operator's `normalize.digits`) are everyday characters,
so a run that needs one of them to be a number is read only when it is then a whole mobile number (11 digits,
1[3-9]…): 两个人, 洞洞鞋 and 一两天 stay words. A shorter run (5-12 digits) is kept aside as a candidate that the
contact rule accepts only right after a marker (扣扣：妖耳伞四五六拐八).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

CHINESE_DIGITS = {c: str(d) for d, chars in enumerate(
    ("零〇○", "一壹幺", "二贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖")) for c in chars}
_TO_DIGITS = str.maketrans(CHINESE_DIGITS)
_ANY_CHINESE_DIGIT = re.compile(f"[{''.join(CHINESE_DIGITS)}]")
_DIGIT_RUN = re.compile(r"[0-9](?:[\W_]*[0-9])*")
# separators people use when they write a number normally; anything else inside a number is a disguise
_PLAIN_SEPARATORS = frozenset(" -‐–—.,，。:：、/()（）")
_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}")
HOMOPHONE = "谐音数字"
CANDIDATE_DIGITS = (5, 12)  # a homophone run this long is an id only beside a contact marker (QQ: 5-12 digits)


class Homophones:
    """The operator's homophones of digits (妖 → 1), prepared once per content load."""

    def __init__(self, digits: Mapping[str, str]) -> None:
        self.digits = dict(digits)
        self.numerals = {**CHINESE_DIGITS, **self.digits}
        self.table = str.maketrans(self.digits)
        self.present = re.compile(f"[{re.escape(''.join(self.digits))}]" if self.digits else "(?!)")

    def __bool__(self) -> bool:
        return bool(self.digits)

    def __contains__(self, char: object) -> bool:
        return char in self.digits


@dataclass(frozen=True, slots=True)
class DigitRun:
    digits: str
    start: int  # span in the original text
    end: int
    disguise: str  # "" when written plainly, else how: 中文数字, 谐音数字, emoji/圈数字, 逐位分隔, 夹杂符号


def _trim(folded: str, start: int, end: int, numerals: Mapping[str, str] = CHINESE_DIGITS) -> tuple[int, int]:
    """Drop Chinese numerals that begin or end a word rather than a number: 一直, 七天, 第一 ."""
    while (end - 1 > start and folded[end - 1] in numerals and end < len(folded) and folded[end].isalpha()
           and folded[end - 2] not in numerals):
        end -= 1
        while end > start and not folded[end - 1].isalnum():
            end -= 1
    while (start < end and folded[start] in numerals and start > 0 and folded[start - 1].isalpha()
           and start + 1 < end and not folded[start + 1].isalnum()):
        start += 1
        while start < end and not folded[start].isalnum():
            start += 1
    return start, end


def _disguise(original: str, folded: str, view: str, start: int, end: int) -> str:
    written = original[start:end]
    separators = {c for c in folded[start:end] if not c.isalnum()}
    if any(c in CHINESE_DIGITS for c in folded[start:end]):
        return "中文数字"
    if "\u20e3" in written:
        return "emoji数字"
    if any(c.isdigit() and not ("0" <= c <= "9" or "０" <= c <= "９") for c in written):
        return "emoji/圈数字"
    if len(re.findall(r"[0-9]+", view[start:end])) >= 5:
        return "逐位分隔"
    if separators - _PLAIN_SEPARATORS:
        return "夹杂符号"
    return ""


def digit_runs(original: str, folded: str, changes: list[tuple[int, int, str]],
               homophones: Homophones | None = None) -> tuple[list[DigitRun], list[DigitRun]]:
    """The numbers in a message (original and folded are the same length), and the homophone candidates that
    count only beside a contact marker; disguises are noted in changes."""
    view = folded.translate(_TO_DIGITS) if _ANY_CHINESE_DIGIT.search(folded) else folded
    runs = []
    for match in _DIGIT_RUN.finditer(view):
        start, end = _trim(folded, *match.span())
        if start >= end:
            continue
        digits = "".join(c for c in view[start:end] if "0" <= c <= "9")
        disguise = _disguise(original, folded, view, start, end) if len(digits) >= 5 else ""
        if disguise:
            changes.append((start, end, f"数字还原({disguise})"))
        runs.append(DigitRun(digits, start, end, disguise))
    if not homophones or not homophones.present.search(folded):
        return runs, []
    phones, candidates = _homophone_runs(folded, view, homophones)
    if phones:
        runs = [run for run in runs if not any(run.start < p.end and p.start < run.end for p in phones)]
        runs = sorted(runs + phones, key=lambda run: run.start)
        changes.extend((p.start, p.end, f"数字还原({HOMOPHONE})") for p in phones)
    return runs, candidates


def _homophone_runs(folded: str, view: str, homophones: Homophones) -> tuple[list[DigitRun], list[DigitRun]]:
    """Runs that need a homophone to be numbers: whole mobile numbers, and 5-12-digit candidates."""
    numerals = homophones.numerals
    weak_view = view.translate(homophones.table)
    phones: list[DigitRun] = []
    candidates: list[DigitRun] = []
    for match in _DIGIT_RUN.finditer(weak_view):
        start, end = _trim(folded, *match.span(), numerals)
        if not any(c in homophones for c in folded[start:end]):
            continue
        positions = [i for i in range(start, end) if "0" <= weak_view[i] <= "9"]
        # a homophone glued to the word before or after it (溜达, 酒店) may be a word: try the run without it
        tries = [(0, len(positions))]
        if folded[positions[-1]] in homophones and end < len(folded) and folded[end].isalpha():
            tries.append((0, len(positions) - 1))
        if folded[positions[0]] in homophones and start > 0 and folded[start - 1].isalpha():
            tries.append((1, len(positions)))
        for first, last in tries:
            digits = "".join(weak_view[i] for i in positions[first:last])
            if _MOBILE_SHAPE.fullmatch(digits):
                phones.append(DigitRun(digits, positions[first], positions[last - 1] + 1, HOMOPHONE))
                break
        else:
            digits = "".join(weak_view[i] for i in positions)
            if CANDIDATE_DIGITS[0] <= len(digits) <= CANDIDATE_DIGITS[1]:
                candidates.append(DigitRun(digits, start, end, HOMOPHONE))
    return phones, candidates
