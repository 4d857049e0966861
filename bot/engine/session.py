"""Everything the engine knows about one customer lives here, in the store: nothing stays in the process."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.store.base import Store

SESSION_TTL_MS = 400 * 24 * 3600 * 1000  # a customer who comes back within a year is remembered
DONE_KEPT = 16  # turns remembered for redelivered events


@dataclass
class Session:
    version: str = ""  # content version the current flow started on
    flow: str = ""  # "" when no flow is running
    state: str = ""
    persona: str = ""
    channel: str = ""
    slots: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    opted_out: bool = False
    restrained: str = ""  # why nothing may be marketed or recommended (the group blacklist); set every turn
    misses: int = 0  # answers not understood in the current state
    last_variant: dict[str, int] = field(default_factory=dict)
    timer: dict[str, Any] | None = None  # {"member", "token", "kind"}
    pending: list[list[Any]] = field(default_factory=list)  # [text, at] waiting for the burst to end
    handover_at: float = 0.0
    last_seen: float = 0.0
    turns: int = 0
    trace: list[str] = field(default_factory=list)  # why the last turn did what it did (/debug)
    fired: list[str] = field(default_factory=list)  # flow rules the last turn fired (coverage)
    done: list[list[Any]] = field(default_factory=list)  # [event_id, turn] for idempotency

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Session:
        data = json.loads(raw)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def add_tags(self, tags: list[str]) -> None:
        for tag in tags:
            if tag not in self.tags:
                self.tags.append(tag)

    def remove_tags(self, tags: list[str]) -> None:
        self.tags = [t for t in self.tags if t not in tags]

    def done_turn(self, event_id: str) -> dict[str, Any] | None:
        for seen, turn in self.done:
            if seen == event_id:
                return dict(turn)
        return None

    def remember_turn(self, event_id: str, turn: dict[str, Any]) -> None:
        self.done.append([event_id, turn])
        del self.done[:-DONE_KEPT]


class Sessions:
    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def key(conversation: str) -> str:
        return f"siyu:session:{conversation}"

    async def load(self, conversation: str) -> Session:
        raw = await self.store.get(self.key(conversation))
        return Session.from_json(raw) if raw else Session()

    async def save(self, conversation: str, session: Session) -> None:
        await self.store.set(self.key(conversation), session.to_json(), ttl_ms=SESSION_TTL_MS)

    async def reset(self, conversation: str) -> None:
        await self.store.delete(self.key(conversation))
