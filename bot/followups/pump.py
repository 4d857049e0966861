"""The follow-up pump: customers whose follow-ups fall due become queued `followup` events.

Every process runs one. They may race for the same schedule entry; the queue's dedup (by the entry) lets
exactly one event through, and the entry is removed only after it is queued, so a crash re-queues it and
the dedup drops the repeat. Events go to the conversation `fu:<customer>`: one customer's follow-ups are
handled in order, by one worker at a time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.followups.record import DUE_KEY, customer_of
from bot.gateway.queue import Event, Queue
from bot.loops import pause
from bot.store.base import Store

log = logging.getLogger(__name__)
KIND = "followup"


class FollowupPump:
    def __init__(self, store: Store, queue: Queue, clock: Callable[[], float], *, interval: float = 1.0,
                 batch: int = 500) -> None:
        self.store = store
        self.queue = queue
        self.clock = clock
        self.interval = interval
        self.batch = batch

    async def pump_once(self) -> int:
        moved = 0
        for member, _ in await self.store.zdue(DUE_KEY, self.clock(), self.batch):
            customer = customer_of(member)
            if customer:
                await self.queue.put(f"fu:{member}", KIND, f"fu:{customer}", {"customer": customer})
                moved += 1
            await self.store.zrem(DUE_KEY, member)
        return moved

    async def run(self) -> None:
        while True:
            try:
                while await self.pump_once() >= self.batch:
                    pass  # a backlog: keep going without sleeping
            except asyncio.CancelledError:
                raise
            except self.store.unavailable as error:
                log.warning("follow-up pump waits: the store does not answer (%s)", type(error).__name__)
            except Exception:
                log.exception("follow-up pump failed; retrying")
            await pause(self.interval)


def customer_of_event(event: Event) -> str:
    return event.data.get("customer", "") or event.conversation.removeprefix("fu:")
