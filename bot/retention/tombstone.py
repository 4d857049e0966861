"""The mark `siyu forget` leaves: when the customer was forgotten, under a digest of her id (never the id).

An event of hers already in a worker's hands when `siyu forget` ran (read from the queue, waiting for WeCom)
was handled afterwards and wrote her session, profile, follow-up record and state again, with her words. The
gateway drops an event of a forgotten customer received before the forget, and the engine (in the same read
that takes her lock) answers nothing to what she sent before it and writes nothing. What she writes afterwards
is a new conversation. The mark lasts as long as an event can wait in the queue or be retried (3 days)."""

from __future__ import annotations

import hashlib

from bot.store.base import Store

FORGOTTEN_TTL_MS = 3 * 24 * 3600 * 1000


def tombstone_key(customer: str) -> str:
    return "siyu:forgotten:" + hashlib.sha1(customer.encode()).hexdigest()[:32]


def customer_of(conversation: str) -> str:
    """The customer a conversation key names (kf:<kfid>:<customer>, fu:<customer>, …): its last part."""
    return conversation.rsplit(":", 1)[-1]


async def mark_forgotten(store: Store, customer: str, now: float) -> None:
    await store.set(tombstone_key(customer), f"{now:.3f}", ttl_ms=FORGOTTEN_TTL_MS)


def forgotten_before(mark: str | None, at: float) -> bool:
    """Whether something that happened `at` (unix seconds) predates the customer's forget (`mark`, as stored)."""
    if not mark:
        return False
    try:
        return at <= float(mark)
    except ValueError:
        return False


async def predates_forget(store: Store, customer: str, at: float) -> bool:
    return bool(customer) and forgotten_before(await store.get(tombstone_key(customer)), at)
