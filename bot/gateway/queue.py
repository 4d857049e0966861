"""Partitioned durable queue. Events of one conversation always land in the same partition, and a
partition is consumed by one worker at a time, so each conversation is processed in order."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
import zlib
from dataclasses import dataclass

from bot.store.base import Entry, Store
from bot.store.codec import dumps

PARTITIONS = 16
GROUP = "siyu-workers"
DEDUP_TTL_MS = 3 * 24 * 3600 * 1000  # longer than any WeCom retry or kf re-pull window


def partition_of(conversation: str) -> int:
    return zlib.crc32(conversation.encode()) % PARTITIONS


def stream_name(partition: int) -> str:
    return f"siyu:q:{partition}"


def seen_key(dedup_key: str) -> str:
    """The dedup marker's key: a digest, because a dedup key can name a customer (contact events)."""
    return "siyu:seen:" + hashlib.sha1(dedup_key.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Event:
    id: str  # stream entry id
    stream: str
    kind: str
    conversation: str
    data: dict[str, str]
    received: float
    replay_of: str = ""  # the key of the dead-lettered event this one replays
    fields: dict[str, str] | None = None  # the raw stream entry, for dead letters

    @property
    def key(self) -> str:
        """A stable, unique identity across redeliveries (ids repeat across streams, so both count).

        A replayed event keeps the identity of the one it replays, so its replies keep their msgids."""
        return self.replay_of or f"{self.stream}/{self.id}"


def decode(stream: str, entry: Entry) -> Event:
    """The queued event; ValueError when the entry cannot be one (data not a JSON object, `at` no number)."""
    fields = entry.fields
    data = json.loads(fields.get("data", "{}"))
    if not isinstance(data, dict):
        raise ValueError("the event's data is not an object")
    return Event(
        id=entry.id,
        stream=stream,
        kind=fields.get("kind", ""),
        conversation=fields.get("conv", ""),
        data=data,
        received=float(fields.get("at", "0")),
        replay_of=fields.get("replay_of", ""),
        fields=dict(fields),
    )


class Queue:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def setup(self) -> None:
        for partition in range(PARTITIONS):
            await self.store.ensure_group(stream_name(partition), GROUP)

    async def put(self, dedup_key: str, kind: str, conversation: str, data: dict[str, str]) -> str | None:
        """Durably enqueue unless dedup_key was seen; returns the entry id or None for a duplicate."""
        fields = {
            "kind": kind,
            "conv": conversation,
            "data": dumps(data),
            "at": f"{time.time():.3f}",
        }
        stream = stream_name(partition_of(conversation))
        return await self.store.enqueue_once(seen_key(dedup_key), DEDUP_TTL_MS, stream, fields)

    async def requeue(self, stream: str, fields: dict[str, str], original_key: str) -> str | None:
        """Queue a dead-lettered event again, into its own partition, under its original identity."""
        again = {**fields, "replay_of": fields.get("replay_of") or original_key}
        return await self.store.enqueue_once(f"siyu:seen:replay:{uuid.uuid4().hex}", DEDUP_TTL_MS, stream, again)

    async def depth(self) -> int:
        total = 0
        for partition in range(PARTITIONS):
            total += await self.store.backlog(stream_name(partition), GROUP)
        return total
