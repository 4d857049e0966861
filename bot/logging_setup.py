"""Log format for siyu: one line per record, no customer text at info level (callers ensure it).

A failure that repeats (Redis down for a minute, WeCom busy) is logged once per interval: the first
occurrence as it is, then one line saying how many more there were. Without this a ten-second Redis
outage wrote hundreds of tracebacks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

REPEAT_INTERVAL_S = 10.0


@dataclass
class _Seen:
    since: float
    logger: str
    level: int
    message: str
    repeats: int = 0


class LogThrottle(logging.Filter):
    """Lets the first of each distinct warning or error through per interval and counts the rest."""

    active: LogThrottle | None = None

    def __init__(self, interval_s: float = REPEAT_INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._seen: dict[tuple[str, int, str, str], _Seen] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or getattr(record, "siyu_summary", False):
            return True
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        key = (record.name, record.levelno, str(record.msg), error)
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen.since < self.interval_s:
            seen.repeats += 1
            return False
        if seen is not None and seen.repeats:
            self._summarise(seen)
        self._seen[key] = _Seen(now, record.name, record.levelno, record.getMessage())
        return True

    def _summarise(self, seen: _Seen) -> None:
        logging.getLogger(seen.logger).log(
            seen.level, "%s [repeated %d more time(s) in %g s]", seen.message, seen.repeats, self.interval_s,
            extra={"siyu_summary": True})
        seen.repeats = 0

    def flush(self) -> None:
        """Say how often each suppressed failure repeated, once its interval is over."""
        now = self.clock()
        for key, seen in list(self._seen.items()):
            if now - seen.since >= self.interval_s:
                if seen.repeats:
                    self._summarise(seen)
                del self._seen[key]

    @classmethod
    async def flush_forever(cls) -> None:
        while True:
            await asyncio.sleep(REPEAT_INTERVAL_S / 2)
            if cls.active is not None:
                cls.active.flush()


def setup_logging() -> None:
    level = os.environ.get("SIYU_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    LogThrottle.active = LogThrottle()
    for handler in logging.getLogger().handlers:
        handler.addFilter(LogThrottle.active)
