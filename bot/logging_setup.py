"""Log format for siyu: one line per record, no customer text at info level (callers ensure it)."""

from __future__ import annotations

import logging
import os


def setup_logging() -> None:
    level = os.environ.get("SIYU_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
