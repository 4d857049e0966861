"""Idempotent sending: every outbound message gets a deterministic id and its state is recorded before
and after it is sent, so a redelivered event never sends a message that is known to have gone out.

States per message: `sending` (the call may be under way: a crash here leaves it uncertain, and the retry
carries the same kf msgid), then `sent`, `dropped` (not allowed: budget, session), `expired` (its window
closed while WeCom was unavailable) or `dead` (refused for good; in the dead letters).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable

from bot.gateway.sender import DEAD as DEAD_OUTCOME
from bot.gateway.sender import EXPIRED_OUTCOME, Deadline, Result, Send, Sender
from bot.gateway.sender import REFUSED as REFUSED_OUTCOME
from bot.store.base import Store

log = logging.getLogger(__name__)

OUTBOX_TTL_MS = 4 * 24 * 3600 * 1000  # longer than the kf 48 h window plus retries
SENDING, SENT, DROPPED, EXPIRED, DEAD = "sending", "sent", "dropped", "expired", "dead"
FINAL = frozenset({SENT, DROPPED, EXPIRED, DEAD})
RECORD_PATIENCE_S = 120.0  # how long an outcome that WeCom already gave waits for the store to come back


def message_id(event_key: str, index: int) -> str:
    """≤ 32 characters of [0-9a-zA-Z_-], as kf/send_msg requires; the same for every redelivery."""
    return f"sy{hashlib.sha1(event_key.encode()).hexdigest()[:26]}_{index}"


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def statuses(self, event_key: str) -> dict[str, str]:
        return await self.store.hgetall(f"siyu:outbox:{event_key}")

    async def mark(self, event_key: str, msgid: str, status: str, **extra: str) -> None:
        await self.store.hset(f"siyu:outbox:{event_key}", {msgid: status, **extra}, ttl_ms=OUTBOX_TTL_MS)

    async def settle(self, event_key: str, msgid: str, status: str, **extra: str) -> None:
        """Record what WeCom answered (and `extra` fields, such as the id WeCom gave it). The message is out:
        if the store is down, wait for it rather than fail (a failure would retry the event and resend the
        message)."""
        deadline = time.monotonic() + RECORD_PATIENCE_S
        delay = 0.1
        while True:
            try:
                await self.mark(event_key, msgid, status, **extra)
                return
            except self.store.unavailable:
                if time.monotonic() > deadline:
                    raise
                log.warning("the store did not answer while recording a sent message; waiting for it")
                await asyncio.sleep(delay)
                delay = min(2.0, delay * 2)

    async def send_once(self, sender: Sender, msgid: str, send: Send, deadline: Deadline, *, status: str | None,
                        expected: frozenset[int] = frozenset(), refused: str = SENT,
                        keep: Callable[[Result], dict[str, str]] | None = None) -> Result:
        """Mark, send (patiently), settle. `status` is what the outbox said before: `sending` means an
        earlier try may have reached WeCom. An `expected` refusal is recorded as `refused` (by default as
        sent: the welcome code was used by someone else); `keep` picks fields of the answer to record."""
        event_key = send.event
        await self.mark(event_key, msgid, SENDING)
        result = await sender.send(send, deadline, uncertain=status == SENDING, expected=expected)
        final = {EXPIRED_OUTCOME: EXPIRED, DEAD_OUTCOME: DEAD, REFUSED_OUTCOME: refused}.get(result.outcome, SENT)
        await self.settle(event_key, msgid, final, **(keep(result) if keep is not None else {}))
        return result
