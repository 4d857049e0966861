"""`siyu forget` for customer groups: what moderation and the registry keep about one customer.

Erased: their strikes (and the decision stored with each), blacklist record, 违规-tag marker, flood and
repeat windows, every audit record that names them (decisions carry a 60-character excerpt of what they
wrote), the owner notices about them still waiting to be sent, and their place in every group's member
list. Not personal, so kept: per-group and per-type counts, decision markers keyed by msgid, outbox
states. The registry mirrors WeCom, so a customer still in a group is listed again by the next
reconcile; the 违规 tag in WeCom itself is the corp's, removed in the admin console.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.enforcement import blacklist
from bot.enforcement.digest import ABOUT, Notice
from bot.enforcement.ladder import decision_key, strikes_key
from bot.enforcement.notices import DUE, pending_key
from bot.enforcement.tagging import done_key as tagged_key
from bot.groups.cleanup import forget_member
from bot.groups.registry import Registry
from bot.moderation.activity import PREFIX as ACTIVITY_PREFIX
from bot.store.base import Store

AUDIT_DAYS = "siyu:audit:*"


async def forget_in_groups(store: Store, customer: str, tag: str, glob_name: str,
                           names: Callable[[Any], bool]) -> dict[str, int]:
    """Erase the customer's moderation records; `names(record)` tells whether a record names them."""
    counts: dict[str, int] = {}
    strikes = [strike for strike, _ in await store.zdue(strikes_key(customer), float("inf"), 100_000)]
    keys = {strikes_key(customer), f"{strikes_key(customer)}:lock", blacklist.key(customer), tagged_key(customer)}
    keys.update(decision_key(strike) for strike in strikes)
    for pattern in (f"{ACTIVITY_PREFIX}flood:*:{glob_name}", f"{ACTIVITY_PREFIX}repeat:{glob_name}:*"):
        keys.update(await store.scan(pattern))
    removed = await store.delete(*sorted(keys))
    await store.zrem(blacklist.INDEX, customer)
    counts["moderation keys"] = removed
    counts["audit records"] = await _forget_audit(store, names)
    counts["owner notices"] = await _forget_notices(store, tag)
    counts["group memberships"] = await forget_member(Registry(store), customer)
    return counts


async def _forget_audit(store: Store, names: Callable[[Any], bool]) -> int:
    removed = 0
    for key in await store.scan(AUDIT_DAYS):
        for raw in await store.lrange(key, 0, -1):
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if names(record):
                removed += await store.lrem(key, raw)
    return removed


async def _forget_notices(store: Store, tag: str) -> int:
    removed = 0
    for recipient, _ in await store.zdue(DUE, float("inf"), 100_000):
        for member, _ in await store.zdue(pending_key(recipient), float("inf"), 100_000):
            if Notice.parse(member).fields.get(ABOUT) == tag:
                removed += int(await store.zrem(pending_key(recipient), member))
    return removed
