"""The storage interface every part of siyu-bot talks to.

Everything that must survive a restart or be shared between processes goes through this interface:
key/values with TTLs, leases (owner-checked locks), hashes, sorted sets (timers), capped lists (logs)
and streams with consumer groups (the durable intake). Both backends pass one contract suite
(tests/test_store_contract.py).

Errors: a store that does not answer raises ConnectionError / TimeoutError (or the client's own
subclasses of them); a consumer group that has vanished (the store lost its data) raises GroupMissing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Entry:
    """One stream entry: its id and its fields."""

    id: str
    fields: dict[str, str]


@dataclass
class Writes:
    """Writes to apply in one step, in the order they were added (see Store.commit_and_release)."""

    # (op, key, value, number): number is a TTL, score or length — or, for hset, the field's value
    ops: list[tuple[str, str, str, float | str | None]] = field(default_factory=list)

    def set(self, key: str, value: str, *, ttl_ms: int | None = None) -> None:
        self.ops.append(("set", key, value, ttl_ms))

    def zadd(self, key: str, member: str, score: float) -> None:
        self.ops.append(("zadd", key, member, score))

    def zrem(self, key: str, member: str) -> None:
        self.ops.append(("zrem", key, member, None))

    def lpush_capped(self, key: str, value: str, maxlen: int) -> None:
        self.ops.append(("lpush_capped", key, value, maxlen))

    def hset(self, key: str, field_name: str, value: str) -> None:
        self.ops.append(("hset", key, field_name, value))

    def pexpire(self, key: str, ttl_ms: int) -> None:
        self.ops.append(("pexpire", key, "", ttl_ms))

    def __bool__(self) -> bool:
        return bool(self.ops)


class GroupMissing(Exception):
    """The stream or its consumer group does not exist (any more): the store has lost its data."""


class Store(ABC):
    """Async storage primitives. Keys are plain strings; callers namespace them."""

    #: what this store raises when it does not answer (a backend adds its client library's own errors)
    unavailable: tuple[type[Exception], ...] = (ConnectionError, TimeoutError, OSError)

    # -- health ----------------------------------------------------------------------------------
    @abstractmethod
    async def ping(self) -> bool: ...

    def answered_within(self, seconds: float) -> bool:
        """Whether the store answered any command in the last `seconds` (no I/O: a slow caller uses it to
        tell "the store is frozen" from "the store is busy answering everyone else")."""
        return True

    async def config_value(self, name: str) -> str | None:
        """A server setting such as appendonly, or None where there is none to read (the embedded store)."""
        return None

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

    @abstractmethod
    async def scan(self, pattern: str) -> list[str]:
        """Keys matching a glob pattern (`*` and `?`), in no particular order. For maintenance, not hot paths."""

    # -- leases: a key owned by one holder until it expires ---------------------------------------
    @abstractmethod
    async def acquire(self, key: str, owner: str, ttl_ms: int) -> bool: ...

    @abstractmethod
    async def renew(self, key: str, owner: str, ttl_ms: int) -> bool:
        """Extend the lease if owner still holds it."""

    @abstractmethod
    async def release(self, key: str, owner: str) -> bool:
        """Drop the lease if owner still holds it."""

    # -- one customer's turn in two steps: lock and read, then write and unlock --------------------
    async def lock_and_get(self, lock: str, owner: str, ttl_ms: int, key: str) -> tuple[bool, str | None]:
        """Acquire the lease `lock` for owner and, in the same step, read `key`.

        Returns (True, [value per key]) when the lease was taken, (False, []) when someone else holds it.
        """
        taken, values = await self.lock_and_get_many(lock, owner, ttl_ms, [key])
        return taken, values[0]

    @abstractmethod
    async def lock_and_get_many(self, lock: str, owner: str, ttl_ms: int,
                                keys: Sequence[str]) -> tuple[bool, list[str | None]]:
        """Acquire the lease `lock` for owner and, in the same step, read every key (string values).

        Returns (True, values in the order of keys) when the lease was taken, (False, [None, ...]) when
        someone else holds it. The engine reads a customer's session and what else a turn must know about
        them (the group blacklist) this way, in one round trip.
        """

    @abstractmethod
    async def commit_and_release(self, lock: str, owner: str, writes: Writes) -> bool:
        """Apply writes, then drop the lease if owner still holds it, in one step.

        The writes are applied even when the lease expired meanwhile; returns whether it was still held.
        """

    @abstractmethod
    async def apply(self, writes: Writes) -> None:
        """Apply writes in one step, without a lease (for writers that need no lock)."""

    # -- hashes ----------------------------------------------------------------------------------
    @abstractmethod
    async def hgetall(self, key: str) -> dict[str, str]: ...

    @abstractmethod
    async def hset(self, key: str, mapping: dict[str, str], *, ttl_ms: int | None = None) -> None: ...

    @abstractmethod
    async def hincrby(self, key: str, field: str, amount: int = 1) -> int: ...

    @abstractmethod
    async def hdel(self, key: str, *fields: str) -> int: ...

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

    @abstractmethod
    async def lrem(self, key: str, value: str) -> int:
        """Remove every item equal to value; returns how many went."""

    @abstractmethod
    async def ltrim(self, key: str, start: int, stop: int) -> None:
        """Keep only items start..stop (inclusive; negative counts from the end)."""

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

    @abstractmethod
    async def xrange(self, stream: str, after: str = "", count: int = 500) -> list[Entry]:
        """Entries in id order, starting after the id `after` ("" = from the beginning)."""

    @abstractmethod
    async def xdel(self, stream: str, *ids: str) -> int:
        """Delete entries, acknowledging them in every group first so that nothing waits for them."""

    @abstractmethod
    async def trim_acked(self, stream: str, group: str, before_ms: int) -> int:
        """Delete entries older than before_ms (unix ms) that the group has delivered and acknowledged.

        Entries not yet delivered, or pending, are kept whatever their age. Returns how many went.
        """
