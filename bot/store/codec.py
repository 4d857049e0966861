"""JSON text for what the store keeps (sessions, profiles, journal records, queued events).

orjson writes compact JSON with non-ASCII characters as they are, like `json.dumps(value,
ensure_ascii=False, separators=(",", ":"))`, ten times faster: a session's JSON took 20 us of a turn. What
reads it back (`json.loads`) gets the same values. Where the two differ, the data here never goes: NaN
and infinities (orjson writes null), integers beyond 64 bits (orjson refuses them). Dictionary keys that
are not strings are written as strings, as json does.
"""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    return orjson.dumps(value, option=_OPTIONS | orjson.OPT_SORT_KEYS if sort_keys else _OPTIONS).decode()
