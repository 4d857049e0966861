"""The storage interface every part of siyu-bot talks to.

Everything that must survive a restart or be shared between processes goes through this interface:
key/values with TTLs, leases (owner-checked locks), hashes, sorted sets (timers), capped lists (logs)
and streams with consumer groups (the durable intake). Both backends pass one contract suite
(tests/test_store_contract.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry: its id and its fields."""

    id: str
    fields: dict[str, str]


class Store(ABC):
    """Async storage primitives. Keys are plain strings; callers namespace them."""

    # -- health ----------------------------------------------------------------------------------
    @abstractmethod
    async def ping(self) -> bool: ...

    @abstractmethod
    async def close(self) -> None: ...

    # -- key/value -------------------------------------------------------------------------------
    @abstractmethod
    async def get(self, key: str) -> str | None: ...

    @abstractmethod
    async def set(self, key: str, value: str, *, ttl_ms: int | None = None, nx: bool = False) -> bool:
        """Store value; with nx only when the key is absent. Returns whether it was written."""

    @abstractmethod
    async def delete(self, *keys: str) -> int: ...

    @abstractmethod
    async def incr(self, key: str, amount: int = 1, *, ttl_ms: int | None = None) -> int:
        """Add to an integer counter; ttl_ms is set when the counter is created."""

    # -- leases: a key owned by one holder until it expires ---------------------------------------
    @abstractmethod
    async def acquire(self, key: str, owner: str, ttl_ms: int) -> bool: ...

    @abstractmethod
    async def renew(self, key: str, owner: str, ttl_ms: int) -> bool:
        """Extend the lease if owner still holds it."""

    @abstractmethod
    async def release(self, key: str, owner: str) -> bool:
        """Drop the lease if owner still holds it."""

    # -- hashes ----------------------------------------------------------------------------------
    @abstractmethod
    async def hgetall(self, key: str) -> dict[str, str]: ...

    @abstractmethod
    async def hset(self, key: str, mapping: dict[str, str], *, ttl_ms: int | None = None) -> None: ...

    @abstractmethod
    async def hincrby(self, key: str, field: str, amount: int = 1) -> int: ...

    # -- sorted sets (timers) --------------------------------------------------------------------
    @abstractmethod
    async def zadd(self, key: str, member: str, score: float) -> None: ...

    @abstractmethod
    async def zrem(self, key: str, member: str) -> bool: ...

    @abstractmethod
    async def zdue(self, key: str, max_score: float, limit: int) -> list[tuple[str, float]]:
        """Members with score <= max_score, lowest first."""

    @abstractmethod
    async def window_add(self, key: str, member: str, now_ms: int, window_ms: int) -> int:
        """A sliding window (flood and repeat counting): record member at now_ms (a member already there
        moves to now_ms), forget members at or before now_ms - window_ms, and return how many remain.

        Time is the caller's (message time, an injected clock), not the store's; the key itself expires
        window_ms after the last write so an idle window costs nothing.
        """

    # -- capped lists (logs read by operators) ---------------------------------------------------
    @abstractmethod
    async def lpush_capped(self, key: str, value: str, maxlen: int) -> None: ...

    @abstractmethod
    async def lrange(self, key: str, start: int, stop: int) -> list[str]: ...

    # -- streams with consumer groups ------------------------------------------------------------
    @abstractmethod
    async def enqueue_once(
        self, dedup_key: str, dedup_ttl_ms: int, stream: str, fields: dict[str, str]
    ) -> str | None:
        """Atomically: if dedup_key is new, mark it and append fields to stream.

        Returns the new entry id, or None when dedup_key was seen before (nothing appended).
        """

    @abstractmethod
    async def ensure_group(self, stream: str, group: str) -> None: ...

    @abstractmethod
    async def read_group(
        self, stream: str, group: str, consumer: str, count: int, block_ms: int
    ) -> list[Entry]:
        """New entries for this consumer (waits up to block_ms when there are none)."""

    @abstractmethod
    async def claim_pending(self, stream: str, group: str, consumer: str, count: int) -> list[Entry]:
        """Take over entries delivered but not acknowledged, whoever they were delivered to.

        Callers hold the partition lease, so nobody else is working on these entries.
        """

    @abstractmethod
    async def ack(self, stream: str, group: str, *ids: str) -> int: ...

    @abstractmethod
    async def backlog(self, stream: str, group: str) -> int:
        """Entries not yet acknowledged: undelivered plus pending."""
