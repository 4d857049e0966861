"""Idempotent sending: every outbound message gets a deterministic id and is recorded before it is
sent, so a redelivered event never sends the same message twice."""

from __future__ import annotations

import hashlib

from bot.store.base import Store

OUTBOX_TTL_MS = 4 * 24 * 3600 * 1000
SENDING, SENT, DROPPED = "sending", "sent", "dropped"


def message_id(event_key: str, index: int) -> str:
    """≤ 32 characters of [0-9a-zA-Z_-], as kf/send_msg requires; the same for every redelivery."""
    return f"sy{hashlib.sha1(event_key.encode()).hexdigest()[:26]}_{index}"


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def statuses(self, event_key: str) -> dict[str, str]:
        return await self.store.hgetall(f"siyu:outbox:{event_key}")

    async def mark(self, event_key: str, msgid: str, status: str) -> None:
        await self.store.hset(f"siyu:outbox:{event_key}", {msgid: status}, ttl_ms=OUTBOX_TTL_MS)
