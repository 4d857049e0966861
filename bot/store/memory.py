"""Embedded in-memory store: the same interface as Redis, for one process (try-it-out and tests)."""

from __future__ import annotations

import asyncio
import bisect
import time
from dataclasses import dataclass, field
from typing import TypeVar

from bot.store.base import Entry, Store

_T = TypeVar("_T")


@dataclass
class _Group:
    last_delivered: tuple[int, int] = (0, 0)
    pending: dict[str, str] = field(default_factory=dict)  # entry id -> consumer


@dataclass
class _Stream:
    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    ids: list[tuple[int, int]] = field(default_factory=list)
    groups: dict[str, _Group] = field(default_factory=dict)
    last_id: tuple[int, int] = (0, 0)


def _parse_id(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq)


class MemoryStore(Store):
    def __init__(self) -> None:
        self._data: dict[str, object] = {}
        self._expiry: dict[str, float] = {}
        self._streams: dict[str, _Stream] = {}
        self._new_entry = asyncio.Event()  # replaced after each set: a broadcast without locks

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

    # -- streams ---------------------------------------------------------------------------------
    def _stream(self, name: str) -> _Stream:
        return self._streams.setdefault(name, _Stream())

    async def enqueue_once(
        self, dedup_key: str, dedup_ttl_ms: int, stream: str, fields: dict[str, str]
    ) -> str | None:
        if not await self.set(dedup_key, "1", ttl_ms=dedup_ttl_ms, nx=True):
            return None
        target = self._stream(stream)
        ms = int(time.time() * 1000)
        new_id = (ms, 0) if ms > target.last_id[0] else (target.last_id[0], target.last_id[1] + 1)
        target.last_id = new_id
        entry_id = f"{new_id[0]}-{new_id[1]}"
        target.entries[entry_id] = dict(fields)
        target.ids.append(new_id)
        self._new_entry.set()
        self._new_entry = asyncio.Event()
        return entry_id

    async def ensure_group(self, stream: str, group: str) -> None:
        self._stream(stream).groups.setdefault(group, _Group())

    def _undelivered(self, target: _Stream, group: _Group, count: int) -> list[Entry]:
        start = bisect.bisect_right(target.ids, group.last_delivered)
        out = []
        for raw in target.ids[start : start + count]:
            entry_id = f"{raw[0]}-{raw[1]}"
            out.append(Entry(entry_id, dict(target.entries[entry_id])))
        return out

    async def read_group(
        self, stream: str, group: str, consumer: str, count: int, block_ms: int
    ) -> list[Entry]:
        target = self._stream(stream)
        state = target.groups[group]
        deadline = asyncio.get_running_loop().time() + block_ms / 1000
        while True:
            entries = self._undelivered(target, state, count)
            if entries:
                state.last_delivered = _parse_id(entries[-1].id)
                for entry in entries:
                    state.pending[entry.id] = consumer
                return entries
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(self._new_entry.wait(), remaining)
            except TimeoutError:
                return []

    async def claim_pending(self, stream: str, group: str, consumer: str, count: int) -> list[Entry]:
        target = self._stream(stream)
        state = target.groups[group]
        claimed = sorted(state.pending, key=_parse_id)[:count]
        for entry_id in claimed:
            state.pending[entry_id] = consumer
        return [Entry(i, dict(target.entries[i])) for i in claimed if i in target.entries]

    async def ack(self, stream: str, group: str, *ids: str) -> int:
        target = self._stream(stream)
        state = target.groups.get(group)
        if state is None:
            return 0
        acked = sum(state.pending.pop(entry_id, None) is not None for entry_id in ids)
        self._trim(target)
        return acked

    @staticmethod
    def _trim(target: _Stream) -> None:
        """Forget entries every group has delivered and acknowledged, so memory stays bounded."""
        if len(target.ids) < 1024:
            return
        floor = min((g.last_delivered for g in target.groups.values()), default=(0, 0))
        pending = {_parse_id(i) for g in target.groups.values() for i in g.pending}
        cut = bisect.bisect_right(target.ids, floor)
        if pending:
            cut = min(cut, bisect.bisect_left(target.ids, min(pending)))
        for raw in target.ids[:cut]:
            target.entries.pop(f"{raw[0]}-{raw[1]}", None)
        del target.ids[:cut]

    async def backlog(self, stream: str, group: str) -> int:
        target = self._streams.get(stream)
        if target is None or group not in target.groups:
            return 0
        state = target.groups[group]
        undelivered = len(target.ids) - bisect.bisect_right(target.ids, state.last_delivered)
        return undelivered + len(state.pending)
