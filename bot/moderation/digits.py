"""Numbers as group ads write them: digits joined across spaces, symbols and emoji, Chinese numerals,
circled and keycap digits; each run remembers whether (and how) it was disguised.

“1 3 8”, “①③⑧”, “1️⃣3️⃣8️⃣”, “一三八”, “壹叁捌”, “幺” all read as 138. A Chinese numeral that begins or ends a
word (一直, 七天, 第一) is not part of a number. A number is disguised when it is spelt in Chinese numerals,
emoji or circled digits, split digit by digit, or broken by symbols people do not use in numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHINESE_DIGITS = {c: str(d) for d, chars in enumerate(
    ("零〇○", "一壹幺", "二贰貳", "三叁參", "四肆", "五伍", "六陆陸", "七柒", "八捌", "九玖")) for c in chars}
_TO_DIGITS = str.maketrans(CHINESE_DIGITS)
_ANY_CHINESE_DIGIT = re.compile(f"[{''.join(CHINESE_DIGITS)}]")
_DIGIT_RUN = re.compile(r"[0-9](?:[\W_]*[0-9])*")
# separators people use when they write a number normally; anything else inside a number is a disguise
_PLAIN_SEPARATORS = frozenset(" -‐–—.,，。:：、/()（）")


@dataclass(frozen=True, slots=True)
class DigitRun:
    digits: str
    start: int  # span in the original text
    end: int
    disguise: str  # "" when written plainly, else how: 中文数字, emoji/圈数字, 逐位分隔, 夹杂符号


def _trim(folded: str, start: int, end: int) -> tuple[int, int]:
    """Drop Chinese numerals that begin or end a word rather than a number: 一直, 七天, 第一 ."""
    while (end - 1 > start and folded[end - 1] in CHINESE_DIGITS and end < len(folded) and folded[end].isalpha()
           and folded[end - 2] not in CHINESE_DIGITS):
        end -= 1
        while end > start and not folded[end - 1].isalnum():
            end -= 1
    while (start < end and folded[start] in CHINESE_DIGITS and start > 0 and folded[start - 1].isalpha()
           and start + 1 < end and not folded[start + 1].isalnum()):
        start += 1
        while start < end and not folded[start].isalnum():
            start += 1
    return start, end


def digit_runs(original: str, folded: str, changes: list[tuple[int, int, str]]) -> list[DigitRun]:
    """The numbers in a message (original and folded are the same length); disguises are noted in changes."""
    view = folded.translate(_TO_DIGITS) if _ANY_CHINESE_DIGIT.search(folded) else folded
    runs = []
    for match in _DIGIT_RUN.finditer(view):
        start, end = _trim(folded, *match.span())
        if start >= end:
            continue
        digits = "".join(c for c in view[start:end] if "0" <= c <= "9")
        disguise = ""
        if len(digits) >= 5:
            written = original[start:end]
            separators = {c for c in folded[start:end] if not c.isalnum()}
            if any(c in CHINESE_DIGITS for c in folded[start:end]):
                disguise = "中文数字"
            elif "\u20e3" in written:
                disguise = "emoji数字"
            elif any(c.isdigit() and not ("0" <= c <= "9" or "０" <= c <= "９") for c in written):
                disguise = "emoji/圈数字"
            elif len(re.findall(r"[0-9]+", view[start:end])) >= 5:
                disguise = "逐位分隔"
            elif separators - _PLAIN_SEPARATORS:
                disguise = "夹杂符号"
            if disguise:
                changes.append((start, end, f"数字还原({disguise})"))
        runs.append(DigitRun(digits, start, end, disguise))
    return runs
