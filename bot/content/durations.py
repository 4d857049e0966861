"""Durations as operators write them: 30s, 10m, 2h, 1d — always with a unit.

`Duration` is the field type of every duration in content (flows, knowledge/policy.yaml,
knowledge/followups.yaml): a bare number (`silence: 3`, which YAML reads as a number) is refused with a
message that says a unit is needed and which ones, instead of pydantic's "expected text".
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d*)?$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LONGEST = 3650 * 86400  # ten years: siyu chat's /wait 99999999999999999999d left the calendar (OverflowError)
UNITS = "单位写 s（秒）、m（分钟）、h（小时）或 d（天），例如 3d、12h、30m"


def missing_unit(value: object) -> str:
    return f"时长 “{value}” 缺少单位：{UNITS}"


def seconds(duration: str) -> int:
    text = str(duration).strip()
    if _NUMBER.match(text):
        raise ValueError(missing_unit(text))
    match = _DURATION.match(text)
    if not match and text.startswith("-") and _DURATION.match(text[1:].strip()):
        raise ValueError(f"时长要是正数：“{duration}”不行，写成 {text[1:].strip()} 这样（不带负号）")
    if not match:
        raise ValueError(f"时长写法不对：“{duration}”，{UNITS}")
    length = int(match.group(1)) * _UNITS[match.group(2)]
    if length > LONGEST:
        raise ValueError(f"时长太长：“{duration}”，最长 3650d（十年）")
    return length


def _not_a_number(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(missing_unit(value))
    return value


def _checked(value: str) -> str:
    seconds(value)
    return value


Duration = Annotated[str, BeforeValidator(_not_a_number), AfterValidator(_checked)]


def human_duration(value: float) -> str:
    """Seconds as an operator reads them, in the units durations are written in: 20s, 5m, 1m30s, 365d,
    1d12h, 0.5s; never 3.1536e+08 s. Whole units from days down, at most two of them (the rest is rounded
    away above a minute: 1d0h0m1s is 1d)."""
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if value < 60 and value != int(value):
        return f"{round(value, 3):g}s"
    left = round(value)
    parts: list[str] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if left >= size or (unit == "s" and not parts):
            parts.append(f"{left // size}{unit}")
            left %= size
            if len(parts) == 2 or not left:
                break
        elif parts:  # a zero between two units (1d0h5m): the larger unit says it well enough
            break
    return "".join(parts)
