"""`siyu forget CUSTOMER`: erase one customer everywhere siyu-bot keeps anything about them (PIPL 个人信息
保护法: a customer may ask to be deleted).

What is erased: sessions and per-customer records of every conversation with them (kf accounts, the
employee who added them), their profile (tags, survey answers, evidence, offers, purchases), the policy's
decisions about them, their follow-up record and schedule, their funnel record, their place on the tag feed,
their budget and service-state records, queued events (processed or not, their group messages included),
timers, the outbox states of follow-ups addressed to them, every log or dead letter that names them or carries
their tag, and what customer-group moderation keeps about them (forget_groups.py). What is not personal
stays: dedup markers (digests), outbox states of replies (message ids and states only), kf cursors, counts
(the funnel's daily counts have no customer in them).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from bot.engine.engine import NEAR_MISSES
from bot.followups.record import DUE_KEY, customer_of
from bot.funnel.stages import CUSTOMER_KEY
from bot.gateway.deadletters import DEAD_LETTERS
from bot.gateway.kf_welcome import HOLDS_KEY, pending_key
from bot.gateway.queue import PARTITIONS, stream_name
from bot.profile.store import STAFFED, TAGS_DIRTY
from bot.retention.forget_groups import forget_in_groups
from bot.retention.janitor import LOGS
from bot.retention.tags import customer_tag
from bot.retention.tombstone import mark_forgotten
from bot.store.base import Store
from bot.tagsync.service import ATTEMPTS
from bot.timers import TIMERS_KEY

CUSTOMER_FIELDS = ("external_userid", "ExternalUserID", "FromUserName", "customer", "touser", "sender")


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


def _names(value: Any, customer: str, tag: str) -> bool:
    """Whether a record (parsed JSON) names the customer or carries their tag, at any depth."""
    if isinstance(value, dict):
        about = value.get("about")  # the tags of the customers an owner notice speaks of
        if value.get("customer") == tag or about == tag or (isinstance(about, list) and tag in about):
            return True
        if any(value.get(name) == customer for name in CUSTOMER_FIELDS):
            return True
        return any(_names(_nested(v), customer, tag) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, customer, tag) for v in value)
    return False


def _nested(value: Any) -> Any:
    """JSON kept as text inside a record (a group message inside a queued or dead-lettered event)."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _conversation_is(conversation: str, customer: str) -> bool:
    return conversation.rsplit(":", 1)[-1] == customer


async def forget(store: Store, customer: str, *, now: float | None = None) -> dict[str, int]:
    """Erase the customer; returns how many records of each kind went."""
    if not customer.strip():
        raise ValueError("no customer id given")
    await mark_forgotten(store, customer, time.time() if now is None else now)  # first: stops events in flight
    tag, name = customer_tag(customer), _glob_escape(customer)
    counts: dict[str, int] = {}
    keys: set[str] = set()
    for pattern in (f"siyu:session:*:{name}", f"siyu:kf:budget:*:{name}", f"siyu:kf:state:*:{name}",
                    f"siyu:lock:*:{name}", f"siyu:customer:{name}", f"siyu:profile:{name}", f"siyu:why:{name}",
                    f"siyu:fu:{name}", f"siyu:fu:lock:{name}", f"{CUSTOMER_KEY}{name}", f"siyu:outbox:fu:{name}:*",
                    f"{pending_key('*')}:{name}"):  # a kf welcome held for her first message
        keys.update(await store.scan(pattern))
    counts["keys"] = await store.delete(*sorted(keys))
    counts["index entries"] = await _forget_indexed(store, customer)
    counts["queued events"] = await _forget_queued(store, customer, tag)
    counts["timers"] = await _forget_timers(store, customer, TIMERS_KEY)
    counts["timers"] += await _forget_timers(store, customer, HOLDS_KEY)  # the held welcome's wake-up
    logged = 0
    for key in (*LOGS, NEAR_MISSES, DEAD_LETTERS):
        for raw in await store.lrange(key, 0, -1):
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if _names(record, customer, tag):
                logged += await store.lrem(key, raw)
    counts["log records"] = logged
    counts.update(await forget_in_groups(store, customer, tag, name, lambda record: _names(record, customer, tag)))
    return counts


async def _forget_queued(store: Store, customer: str, tag: str) -> int:
    removed = 0
    for partition in range(PARTITIONS):
        stream, after = stream_name(partition), ""
        while entries := await store.xrange(stream, after, 500):
            after = entries[-1].id
            doomed = []
            for entry in entries:
                try:
                    data = json.loads(entry.fields.get("data", "{}"))
                except ValueError:
                    data = {}
                if _conversation_is(entry.fields.get("conv", ""), customer) or _names(data, customer, tag):
                    doomed.append(entry.id)
            removed += await store.xdel(stream, *doomed)
    return removed


async def _forget_indexed(store: Store, customer: str) -> int:
    """The customer in the shared indexes: the tag feed, staffed customers, tag retries, follow-ups due."""
    removed = int(await store.zrem(TAGS_DIRTY, customer))
    removed += await store.hdel(STAFFED, customer) + await store.hdel(ATTEMPTS, customer)
    for member, _ in await store.zdue(DUE_KEY, float("inf"), 1_000_000):
        if customer_of(member) == customer:
            removed += int(await store.zrem(DUE_KEY, member))
    return removed


async def _forget_timers(store: Store, customer: str, key: str) -> int:
    removed = 0
    for member, _ in await store.zdue(key, float("inf"), 1_000_000):
        try:
            data = json.loads(member)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        if data.get("customer") == customer or _conversation_is(str(data.get("conv", "")), customer):
            removed += int(await store.zrem(key, member))
    return removed
