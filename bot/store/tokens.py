"""Unique tokens for lock owners and timers, without a system call per token.

`uuid.uuid4()` reads 16 bytes from the kernel each time, a few microseconds on every customer turn. A token
here is a random 64-bit prefix drawn once per process (again in a forked child) and a counter: unique
across processes and restarts, which is all a lock owner or a timer token needs.
"""

from __future__ import annotations

import itertools
import os
import secrets


def _fresh() -> None:
    global _prefix, _counter
    _prefix = secrets.token_hex(8)
    _counter = itertools.count(1)


_prefix = ""
_counter = itertools.count(1)
_fresh()
os.register_at_fork(after_in_child=_fresh)


def unique_token() -> str:
    return f"{_prefix}{next(_counter):x}"
