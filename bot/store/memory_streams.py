"""Streams with consumer groups for the embedded store, behaving like Redis Streams where the bot relies on it."""

from __future__ import annotations

import asyncio
import bisect
import time
from dataclasses import dataclass, field

from bot.store.base import Entry, GroupMissing, Store


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
    return int(ms), int(seq or 0)


def _text_id(raw: tuple[int, int]) -> str:
    return f"{raw[0]}-{raw[1]}"


class MemoryStreams(Store):
    """The stream half of MemoryStore (the key/value half is in memory.py)."""

    def __init__(self) -> None:
        self._streams: dict[str, _Stream] = {}
        self._new_entry = asyncio.Event()  # replaced after each set: a broadcast without locks

    def _stream(self, name: str) -> _Stream:
        return self._streams.setdefault(name, _Stream())

    def _group(self, stream: str, group: str) -> tuple[_Stream, _Group]:
        target = self._streams.get(stream)
        if target is None or group not in target.groups:
            raise GroupMissing(f"{stream}/{group}")
        return target, target.groups[group]

    async def enqueue_once(
        self, dedup_key: str, dedup_ttl_ms: int, stream: str, fields: dict[str, str]
    ) -> str | None:
        if not await self.set(dedup_key, "1", ttl_ms=dedup_ttl_ms, nx=True):
            return None
        target = self._stream(stream)
        ms = int(time.time() * 1000)
        new_id = (ms, 0) if ms > target.last_id[0] else (target.last_id[0], target.last_id[1] + 1)
        target.last_id = new_id
        entry_id = _text_id(new_id)
        target.entries[entry_id] = dict(fields)
        target.ids.append(new_id)
        self._new_entry.set()
        self._new_entry = asyncio.Event()
        return entry_id

    async def ensure_group(self, stream: str, group: str) -> None:
        self._stream(stream).groups.setdefault(group, _Group())

    def _undelivered(self, target: _Stream, group: _Group, count: int) -> list[Entry]:
        start = bisect.bisect_right(target.ids, group.last_delivered)
        return [Entry(_text_id(raw), dict(target.entries[_text_id(raw)])) for raw in target.ids[start : start + count]]

    async def read_group(
        self, stream: str, group: str, consumer: str, count: int, block_ms: int
    ) -> list[Entry]:
        target, state = self._group(stream, group)
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
        target, state = self._group(stream, group)
        for gone in [i for i in state.pending if i not in target.entries]:
            del state.pending[gone]  # deleted entries leave the pending list, as XAUTOCLAIM does
        claimed = sorted(state.pending, key=_parse_id)[:count]
        for entry_id in claimed:
            state.pending[entry_id] = consumer
        return [Entry(i, dict(target.entries[i])) for i in claimed]

    async def ack(self, stream: str, group: str, *ids: str) -> int:
        target = self._streams.get(stream)
        state = target.groups.get(group) if target else None
        if target is None or state is None:
            return 0
        acked = sum(state.pending.pop(entry_id, None) is not None for entry_id in ids)
        self._trim(target)
        return acked

    @staticmethod
    def _trim(target: _Stream) -> None:
        """Forget entries every group has delivered and acknowledged, so memory stays bounded."""
        if len(target.ids) < 1024:
            return
        MemoryStreams._cut(target, MemoryStreams._safe_cut(target, len(target.ids)))

    @staticmethod
    def _safe_cut(target: _Stream, limit: int) -> int:
        """How many of the oldest entries every group has delivered and acknowledged (at most limit)."""
        floor = min((g.last_delivered for g in target.groups.values()), default=(0, 0))
        cut = min(limit, bisect.bisect_right(target.ids, floor))
        pending = [_parse_id(i) for g in target.groups.values() for i in g.pending]
        if pending:
            cut = min(cut, bisect.bisect_left(target.ids, min(pending)))
        return cut

    @staticmethod
    def _cut(target: _Stream, cut: int) -> int:
        for raw in target.ids[:cut]:
            target.entries.pop(_text_id(raw), None)
        del target.ids[:cut]
        return cut

    async def backlog(self, stream: str, group: str) -> int:
        target = self._streams.get(stream)
        if target is None or group not in target.groups:
            return 0
        state = target.groups[group]
        undelivered = len(target.ids) - bisect.bisect_right(target.ids, state.last_delivered)
        return undelivered + len(state.pending)

    async def xrange(self, stream: str, after: str = "", count: int = 500) -> list[Entry]:
        target = self._streams.get(stream)
        if target is None:
            return []
        start = bisect.bisect_right(target.ids, _parse_id(after)) if after else 0
        return [Entry(_text_id(raw), dict(target.entries[_text_id(raw)])) for raw in target.ids[start : start + count]]

    async def xdel(self, stream: str, *ids: str) -> int:
        target = self._streams.get(stream)
        if target is None:
            return 0
        removed = 0
        for entry_id in ids:
            for group in target.groups.values():
                group.pending.pop(entry_id, None)
            if target.entries.pop(entry_id, None) is not None:
                target.ids.remove(_parse_id(entry_id))
                removed += 1
        return removed

    async def trim_acked(self, stream: str, group: str, before_ms: int) -> int:
        target = self._streams.get(stream)
        if target is None or group not in target.groups:
            return 0
        old = bisect.bisect_left(target.ids, (before_ms, 0))
        return self._cut(target, self._safe_cut(target, old))
