"""Time inside a window: local days, quiet hours, and a stable random moment (jitter) to send at.

All times are unix seconds; local means the configured time zone (SIYU_TIMEZONE). Quiet hours are minutes
after local midnight, (start, end), and may wrap midnight (21:00-09:00).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

Quiet = tuple[int, int] | None
DAY = 86400


def local_day(at: float, zone: ZoneInfo) -> str:
    return datetime.fromtimestamp(at, zone).strftime("%Y-%m-%d")


def local_month(at: float, zone: ZoneInfo) -> tuple[str, int]:
    """("YYYYMM", days in that month)."""
    moment = datetime.fromtimestamp(at, zone)
    first_next = (moment.replace(day=28) + timedelta(days=4)).replace(day=1)
    return moment.strftime("%Y%m"), (first_next - timedelta(days=1)).day


def next_local_midnight(at: float, zone: ZoneInfo) -> float:
    moment = datetime.fromtimestamp(at, zone)
    tomorrow = (moment + timedelta(days=1)).date()
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=zone).timestamp()


def is_quiet(at: float, zone: ZoneInfo, quiet: Quiet) -> bool:
    if quiet is None:
        return False
    moment = datetime.fromtimestamp(at, zone)
    minute = moment.hour * 60 + moment.minute
    start, end = quiet
    return start <= minute < end if start < end else minute >= start or minute < end


def _allowed_in_day(day: datetime, zone: ZoneInfo, quiet: Quiet) -> list[tuple[float, float]]:
    """The open (non-quiet) spans of one local day, as unix seconds."""

    def at(minute: int) -> float:
        if minute >= 24 * 60:
            following = day + timedelta(days=1)
            return datetime(following.year, following.month, following.day, tzinfo=zone).timestamp()
        return datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone).timestamp()

    if quiet is None:
        return [(at(0), at(24 * 60))]
    start, end = quiet
    if start > end:  # wraps midnight: open from end to start
        return [(at(end), at(start))]
    return [(at(0), at(start)), (at(end), at(24 * 60))]


def open_spans(low: float, high: float, zone: ZoneInfo, quiet: Quiet) -> list[tuple[float, float]]:
    """The parts of [low, high) outside quiet hours."""
    if high <= low:
        return []
    spans = []
    day = datetime.fromtimestamp(low, zone).replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
    last = datetime.fromtimestamp(high, zone).replace(tzinfo=None)
    while day <= last:
        for start, end in _allowed_in_day(day, zone, quiet):
            start, end = max(start, low), min(end, high)
            if end > start:
                spans.append((start, end))
        day += timedelta(days=1)
    return spans


def pick(low: float, high: float, zone: ZoneInfo, quiet: Quiet, fraction: float) -> float | None:
    """The moment at `fraction` (0..1) of the open time in [low, high); None when none is open."""
    spans = open_spans(low, high, zone, quiet)
    total = sum(end - start for start, end in spans)
    if total <= 0:
        return None
    remaining = fraction * total
    for start, end in spans:
        if remaining <= end - start:
            return start + remaining
        remaining -= end - start
    return spans[-1][1]


def fraction_of(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) from the parts: the same schedule comes out every time."""
    digest = hashlib.sha1("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:6], "big") / float(1 << 48)
