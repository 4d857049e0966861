"""Embedded in-memory store: the same interface as Redis, for one process (try-it-out and tests)."""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Sequence
from typing import TypeVar

from bot.store.base import Writes
from bot.store.memory_streams import MemoryStreams

_T = TypeVar("_T")


class MemoryStore(MemoryStreams):
    def __init__(self) -> None:
        super().__init__()
        self._data: dict[str, object] = {}
        self._expiry: dict[str, float] = {}

    def _alive(self, key: str) -> bool:
        deadline = self._expiry.get(key)
        if deadline is not None and deadline <= time.monotonic():
            self._data.pop(key, None)
            self._expiry.pop(key, None)
        return key in self._data

    def _set_ttl(self, key: str, ttl_ms: int | None) -> None:
        if ttl_ms is None:
            self._expiry.pop(key, None)
        else:
            self._expiry[key] = time.monotonic() + ttl_ms / 1000

    def _typed(self, key: str, kind: type[_T], default: _T) -> _T:
        if not self._alive(key):
            self._data[key] = default
            return default
        value = self._data[key]
        if not isinstance(value, kind):
            raise TypeError(f"key {key!r} holds another type")
        return value

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None

    async def get(self, key: str) -> str | None:
        if not self._alive(key):
            return None
        value = self._data[key]
        return value if isinstance(value, str) else None

    async def set(self, key: str, value: str, *, ttl_ms: int | None = None, nx: bool = False) -> bool:
        if nx and self._alive(key):
            return False
        self._data[key] = value
        self._set_ttl(key, ttl_ms)
        return True

    async def delete(self, *keys: str) -> int:
        removed = 0
        for key in keys:
            if self._alive(key):
                removed += 1
            self._data.pop(key, None)
            self._expiry.pop(key, None)
            self._streams.pop(key, None)
        return removed

    async def incr(self, key: str, amount: int = 1, *, ttl_ms: int | None = None) -> int:
        fresh = not self._alive(key)
        current = 0 if fresh else int(str(self._data[key]))
        self._data[key] = str(current + amount)
        if fresh and ttl_ms is not None:
            self._set_ttl(key, ttl_ms)
        return current + amount

    async def scan(self, pattern: str) -> list[str]:
        return [key for key in [*self._data, *self._streams] if self._alive_or_stream(key)
                and fnmatch.fnmatchcase(key, pattern)]

    def _alive_or_stream(self, key: str) -> bool:
        return key in self._streams or self._alive(key)

    async def acquire(self, key: str, owner: str, ttl_ms: int) -> bool:
        return await self.set(key, owner, ttl_ms=ttl_ms, nx=True)

    async def renew(self, key: str, owner: str, ttl_ms: int) -> bool:
        if self._alive(key) and self._data[key] == owner:
            self._set_ttl(key, ttl_ms)
            return True
        return False

    async def release(self, key: str, owner: str) -> bool:
        if self._alive(key) and self._data[key] == owner:
            await self.delete(key)
            return True
        return False

    async def lock_and_get_many(self, lock: str, owner: str, ttl_ms: int,
                                keys: Sequence[str]) -> tuple[bool, list[str | None]]:
        if not await self.acquire(lock, owner, ttl_ms):
            return False, [None] * len(keys)
        return True, [await self.get(key) for key in keys]

    async def commit_and_release(self, lock: str, owner: str, writes: Writes) -> bool:
        await self.apply(writes)
        return await self.release(lock, owner)

    async def apply(self, writes: Writes) -> None:
        for op, key, value, number in writes.ops:
            if op == "set":
                await self.set(key, value, ttl_ms=None if number is None else int(number))
            elif op == "zadd":
                await self.zadd(key, value, float(number or 0))
            elif op == "zrem":
                await self.zrem(key, value)
            elif op == "lpush_capped":
                await self.lpush_capped(key, value, int(number or 0))
            elif op == "hset":
                await self.hset(key, {value: str(number)})
            elif op == "pexpire":
                if self._alive(key):
                    self._set_ttl(key, int(number or 0))
            else:
                raise ValueError(f"unknown write {op!r}")

    async def hgetall(self, key: str) -> dict[str, str]:
        return dict(self._typed(key, dict, {})) if self._alive(key) else {}

    async def hset(self, key: str, mapping: dict[str, str], *, ttl_ms: int | None = None) -> None:
        self._typed(key, dict, {}).update(mapping)
        if ttl_ms is not None:
            self._set_ttl(key, ttl_ms)

    async def hincrby(self, key: str, field: str, amount: int = 1) -> int:
        table: dict[str, str] = self._typed(key, dict, {})
        table[field] = str(int(table.get(field, "0")) + amount)
        return int(table[field])

    async def hdel(self, key: str, *fields: str) -> int:
        if not self._alive(key):
            return 0
        table: dict[str, str] = self._typed(key, dict, {})
        return sum(table.pop(name, None) is not None for name in fields)

    async def zadd(self, key: str, member: str, score: float) -> None:
        self._typed(key, dict, {})[member] = score

    async def zrem(self, key: str, member: str) -> bool:
        if not self._alive(key):
            return False
        return self._typed(key, dict, {}).pop(member, None) is not None

    async def zdue(self, key: str, max_score: float, limit: int) -> list[tuple[str, float]]:
        if not self._alive(key):
            return []
        members: dict[str, float] = self._typed(key, dict, {})
        due = sorted(((s, m) for m, s in members.items() if s <= max_score))[:limit]
        return [(m, s) for s, m in due]

    async def window_add(self, key: str, member: str, now_ms: int, window_ms: int) -> int:
        members: dict[str, float] = self._typed(key, dict, {})
        members[member] = float(now_ms)
        floor = now_ms - window_ms
        for old in [m for m, score in members.items() if score <= floor]:
            del members[old]
        self._set_ttl(key, window_ms)
        return len(members)

    async def lpush_capped(self, key: str, value: str, maxlen: int) -> None:
        items: list[str] = self._typed(key, list, [])
        items.insert(0, value)
        del items[maxlen:]

    async def lrange(self, key: str, start: int, stop: int) -> list[str]:
        if not self._alive(key):
            return []
        items: list[str] = self._typed(key, list, [])
        return items[start:] if stop == -1 else items[start : stop + 1]

    async def lrem(self, key: str, value: str) -> int:
        if not self._alive(key):
            return 0
        items: list[str] = self._typed(key, list, [])
        kept = [item for item in items if item != value]
        removed = len(items) - len(kept)
        items[:] = kept
        return removed

    async def ltrim(self, key: str, start: int, stop: int) -> None:
        if not self._alive(key):
            return
        items: list[str] = self._typed(key, list, [])
        items[:] = items[start:] if stop == -1 else items[start : stop + 1]
