"""Where one conversation stands (flow, state, slots, timer, burst), in the store: nothing stays in the process.

Facts about the customer — tags, survey answers, opt-out, offers — live in their profile (bot/profile), shared
by every conversation the customer has (kf, contacts, the app).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.store.base import Store, Writes
from bot.store.codec import dumps
from bot.store.unreadable import read_record

SESSION_TTL_MS = 90 * 24 * 3600 * 1000  # default retention (SIYU_RETAIN_SESSIONS): renewed by every turn
DONE_KEPT = 16  # turns remembered for redelivered events
RECALLS_KEPT = 20  # message ids she recalled before they came (engine/recalled.py)
DEBUG_ONLY = ("trace", "fired")  # why the last turn did what it did: for siyu chat /debug and siyu test only


@dataclass
class Session:
    version: str = ""  # content version the current flow started on
    flow: str = ""  # "" when no flow is running
    state: str = ""
    persona: str = ""
    channel: str = ""
    slots: dict[str, Any] = field(default_factory=dict)
    # what the conversation is about, for short follow-ups (engine/memory.py): the last product
    # recommended, the last FAQ answered, a numbered choice offered — each with the turn it happened on
    context: dict[str, Any] = field(default_factory=dict)
    restrained: str = ""  # why nothing may be marketed or recommended (the group blacklist); set every turn
    misses: int = 0  # answers not understood in the current state
    last_variant: dict[str, int] = field(default_factory=dict)
    timer: dict[str, Any] | None = None  # {"member", "token", "kind"}
    pending: list[list[Any]] = field(default_factory=list)  # [text, at, msgid] waiting for the burst to end
    recalled: list[str] = field(default_factory=list)  # msgids recalled when nothing of theirs waited
    handover_at: float = 0.0  # a human has the conversation since (0: the bot has it)
    asked_at: float = 0.0  # when the question of the current state was (last) asked
    last_seen: float = 0.0
    turns: int = 0  # events handled, except a message still waiting for its burst window (the burst counts once)
    trace: list[str] = field(default_factory=list)  # why the last turn did what it did (/debug)
    fired: list[str] = field(default_factory=list)  # flow rules the last turn fired (coverage)
    done: list[list[Any]] = field(default_factory=list)  # [event_id, turn] for idempotency

    def to_json(self, *, keep_trace: bool = True) -> str:
        # the fields hold only JSON types: a shallow dict is enough (dataclasses.asdict deep-copies everything
        # and was a third of a turn's CPU)
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        if not keep_trace:  # the trace may quote what the customer wrote: it is not kept in production
            for name in DEBUG_ONLY:
                data.pop(name)
        return dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> Session:
        data = json.loads(raw)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def done_turn(self, event_id: str) -> dict[str, Any] | None:
        for seen, turn in self.done:
            if seen == event_id:
                return dict(turn)
        return None

    def remember_turn(self, event_id: str, turn: dict[str, Any]) -> None:
        self.done.append([event_id, turn])
        del self.done[:-DONE_KEPT]


class Sessions:
    def __init__(self, store: Store, *, ttl_ms: int = SESSION_TTL_MS, keep_trace: bool = False) -> None:
        self.store = store
        self.ttl_ms = ttl_ms
        self.keep_trace = keep_trace

    @staticmethod
    def key(conversation: str) -> str:
        return f"siyu:session:{conversation}"

    async def load(self, conversation: str) -> Session:
        raw = await self.store.get(self.key(conversation))
        return self.decode(raw, self.key(conversation))

    @staticmethod
    def decode(raw: str | None, key: str = "", writes: Writes | None = None) -> Session:
        """A record that cannot be read as it is (truncated, a field of the wrong type) starts fresh, or
        without those fields, with a WARNING naming `key`; its value is kept through `writes`
        (bot/store/unreadable.py): failing, it failed every turn of the customer for good."""
        return read_record(Session, key, raw, writes)

    def encode(self, session: Session) -> str:
        return session.to_json(keep_trace=self.keep_trace)

    async def save(self, conversation: str, session: Session) -> None:
        await self.store.set(self.key(conversation), self.encode(session), ttl_ms=self.ttl_ms)

    async def reset(self, conversation: str) -> None:
        await self.store.delete(self.key(conversation))
