"""The blacklist the kf bot respects: customers who must get no marketing and no recommendations.

A customer lands here from the strike ladder (a severe category, or the last strike). The one question
the rest of the bot asks is `restraint(store, external_userid)`: the reason to hold back, or None.
The engine reads the record at the start of every turn in the same store call that locks the customer
and loads the session (`key()` + `restraint_of()`, no extra round trip) and keeps the answer on the
session (`session.restrained`); recommendation checks it beside `opted_out`, and any proactive
marketing must too. Questions are still answered: a blacklisted customer is not ignored, only never sold to.

Layout: `siyu:blacklist:<external_userid>` holds the record (one GET per question), and the sorted set
`siyu:blacklist:index` lists everyone by the time they were added.
"""

from __future__ import annotations

import json
from typing import Any

from bot.store.base import Store
from bot.store.unreadable import warn

PREFIX = "siyu:blacklist:"
INDEX = "siyu:blacklist:index"
UNREADABLE_REASON = "record unreadable"


def key(external_userid: str) -> str:
    """The record's key: the engine reads it with the session, in the turn's first round trip."""
    return PREFIX + external_userid


def restraint_of(raw: str | None, customer: str = "") -> str | None:
    """The reason to hold back that a stored record (the value at `key(customer)`, or None) gives."""
    if not raw:
        return None
    record = _record(raw, customer)
    reason = str(record.get("reason", ""))
    return f"blacklisted: {reason}" if reason else "blacklisted"


def _record(raw: str, customer: str) -> dict[str, Any]:
    """A record that cannot be read still blacklists (the safe side: nothing is sold to her) and says so; raising,
    it failed every turn of the customer. The record stays where it is for the operator (docs/operations.md)."""
    try:
        record = json.loads(raw)
    except ValueError:
        record = None
    if isinstance(record, dict):
        return record
    warn(key(customer), "not a JSON object", "taken as blacklisted (nothing is sold to her); fix or remove it")
    return {"reason": UNREADABLE_REASON}


async def restraint(store: Store, external_userid: str) -> str | None:
    """Why the bot must not market to or recommend anything to this customer, or None."""
    return restraint_of(await store.get(key(external_userid)), external_userid) if external_userid else None


async def entry(store: Store, external_userid: str) -> dict[str, Any] | None:
    if not external_userid:
        return None
    raw = await store.get(key(external_userid))
    return _record(raw, external_userid) if raw else None


async def add(store: Store, external_userid: str, record: dict[str, Any], at: float) -> bool:
    """Blacklist a customer; False when they already were (the first record is kept)."""
    fresh = await store.set(key(external_userid), json.dumps(record, ensure_ascii=False), nx=True)
    if fresh:
        await store.zadd(INDEX, external_userid, at)
    return fresh


async def remove(store: Store, external_userid: str) -> bool:
    await store.zrem(INDEX, external_userid)
    return bool(await store.delete(key(external_userid)))


async def listed(store: Store, limit: int = 10_000) -> list[tuple[str, float]]:
    return await store.zdue(INDEX, float("inf"), limit)
