"""One puller at a time across processes, without losing a notification that arrives meanwhile.

The first caller takes a lease and pulls; a caller that finds the lease taken leaves a flag and
returns; the pulling caller goes round once more whenever it finds the flag, so whatever the second
notification announced is read by the first one's loop.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from bot.store.base import Store

LEASE_MS = 60_000


class Exclusive:
    def __init__(self, store: Store, name: str, lease_ms: int = LEASE_MS) -> None:
        self.store = store
        self.lock = f"siyu:{name}:lock"
        self.again = f"siyu:{name}:again"
        self.lease_ms = lease_ms
        self.owner = uuid.uuid4().hex

    async def run(self, work: Callable[[], Awaitable[None]]) -> bool:
        """Run work (repeatedly while asked to); False when another process holds the lease."""
        if not await self.store.acquire(self.lock, self.owner, self.lease_ms):
            await self.store.set(self.again, "1", ttl_ms=self.lease_ms)
            return False
        try:
            while True:
                await self.store.delete(self.again)
                await work()
                if not await self.store.get(self.again):
                    return True
        finally:
            await self.store.release(self.lock, self.owner)

    async def renew(self) -> None:
        await self.store.renew(self.lock, self.owner, self.lease_ms)
