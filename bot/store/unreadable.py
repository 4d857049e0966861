"""Records in the store that cannot be read as they are: what is kept, what starts fresh (docs/operations.md).

A session or profile that is truncated, no JSON object, or holds a field of the wrong type (written by hand,
by an older version, by another tool on the same Redis) failed every turn of its customer: the turn raised,
the worker dead-lettered the message, and the next message did the same, for as long as the record lived
(90 days for sessions, 400 for profiles). Now such a record is read as far as it can be — a field of the wrong
type takes its default, a record that is no JSON object starts fresh — with one WARNING naming the key, and
the bad value is kept for the operator in `siyu:log:unreadable` (newest first, at most 1,000 entries).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
from typing import Any, TypeVar

from bot.logging_setup import conversation_tag
from bot.store.base import Store, Writes

log = logging.getLogger(__name__)

UNREADABLE_LOG = "siyu:log:unreadable"
KEPT_MAX = 1000
VALUE_MAX = 65_536  # characters of the bad value kept
T = TypeVar("T")


def entry(key: str, why: str, raw: str, at: float | None = None) -> str:
    """One kept value; `customer` (for a customer's record) lets `siyu forget` find it, and the janitor drops it
    after SIYU_RETAIN_LOGS like the other operator logs."""
    record: dict[str, Any] = {"key": key, "why": why, "at": at if at is not None else time.time(),
                              "value": raw[:VALUE_MAX]}
    for prefix in PRIVATE:
        if key.startswith(prefix):
            record["customer"] = key[len(prefix):].rsplit(":", 1)[-1]
    if "customer" not in record:  # a timer or hold member names her only by its conversation (kf:<kfid>:<customer>)
        conversation = _conversation_in(raw)
        if conversation:
            record["customer"] = conversation.rsplit(":", 1)[-1]
    return json.dumps(record, ensure_ascii=False)


def _conversation_in(raw: str) -> str:
    try:
        data = json.loads(raw)
    except ValueError:
        return ""
    conversation = data.get("conv") if isinstance(data, dict) else None
    return conversation if isinstance(conversation, str) and ":" in conversation else ""


# the rest of these keys names a customer
PRIVATE = ("siyu:session:", "siyu:profile:", "siyu:blacklist:", "siyu:fu:", "siyu:kf:welcome:")


def shown(key: str) -> str:
    """The key as the log may show it: a customer's part is replaced by its tag (docs/operations.md, the serve log
    holds no customer id); the whole key is in UNREADABLE_LOG."""
    for prefix in PRIVATE:
        if key.startswith(prefix):
            return f"{prefix}<tag {conversation_tag(key[len(prefix):])}>"
    return key


def warn(key: str, why: str, outcome: str) -> None:
    log.warning("store record %s cannot be read as it is (%s): %s; the bad value is kept in %s",
                shown(key), why, outcome, UNREADABLE_LOG)


async def keep(store: Store, key: str, why: str, raw: str, outcome: str) -> None:
    warn(key, why, outcome)
    await store.lpush_capped(UNREADABLE_LOG, entry(key, why, raw), KEPT_MAX)


def _expected(spec: dataclasses.Field[Any]) -> Any:
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return None


def _fits(value: Any, default: Any) -> bool:
    if default is None:  # optional objects (a session's timer): None or an object
        return value is None or isinstance(value, dict)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, type(default))


def _salvaged(raw: str, numbers: tuple[str, ...]) -> dict[str, float]:
    """Numbers that must survive a truncated record (a customer's opt-out), read from its text."""
    found: dict[str, float] = {}
    for name in numbers:
        match = re.search(rf'"{re.escape(name)}"\s*:\s*(-?[0-9]+(?:\.[0-9]+)?)', raw)
        if match:
            found[name] = float(match.group(1))
    return found


def read_record(cls: type[T], key: str, raw: str | None, writes: Writes | None, *,
                fresh: dict[str, Any] | None = None, salvage: tuple[str, ...] = ()) -> T:
    """The dataclass `cls` from its JSON `raw`; whatever cannot be read is reported (WARNING naming `key`) and
    kept in UNREADABLE_LOG through `writes` (the turn's own writes; None: reported only)."""
    base = dict(fresh or {})
    if not raw:
        return cls(**base)
    fields = {spec.name: spec for spec in dataclasses.fields(cls)}  # type: ignore[arg-type]
    why = ""
    try:
        data = json.loads(raw)
    except ValueError as error:
        data, why = None, f"not JSON: {error}"
    if data is None or not isinstance(data, dict):
        why = why or f"JSON {type(data).__name__}, not an object"
        kept = {k: v for k, v in _salvaged(raw, salvage).items() if k in fields}
        outcome = "started fresh" + (f", keeping {', '.join(sorted(kept))}" if kept else "")
        _report(key, why, raw, outcome, writes)
        return cls(**{**base, **kept})
    known = {k: v for k, v in data.items() if k in fields}
    wrong = sorted(k for k, v in known.items() if not _fits(v, _expected(fields[k])))
    # bytes that were not UTF-8 arrive as U+FFFD and are used as read: not reported, since a U+FFFD she typed is
    # the same character, and the record rewritten by the turn would be reported (and kept) again on every read
    if wrong:
        _report(key, f"wrong type in {', '.join(wrong)}", raw, "those fields take their defaults", writes)
        for name in wrong:
            del known[name]
    return cls(**{**base, **known})


def _report(key: str, why: str, raw: str, outcome: str, writes: Writes | None) -> None:
    warn(key, why, outcome)
    if writes is not None:
        writes.lpush_capped(UNREADABLE_LOG, entry(key, why, raw), KEPT_MAX)
