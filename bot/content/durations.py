"""Durations as operators write them: 30s, 10m, 2h, 1d."""

from __future__ import annotations

import re

_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(duration: str) -> int:
    match = _DURATION.match(duration.strip())
    if not match:
        raise ValueError(f"时长写法不对：“{duration}”，应为 30s / 10m / 2h / 1d")
    return int(match.group(1)) * _UNITS[match.group(2)]
