"""Dead letters: what siyu-bot finally gave up on, kept whole so that an operator can replay it.

Two kinds of record, both JSON in the list `siyu:deadletters` (newest first):
- `send`: an outbound message WeCom refused for good (or that expired): endpoint, the full request body
  (with its kf msgid, so a replay can never double it on WeCom's side), the time after which it may no
  longer be sent (the kf 48 h window), the error.
- `event`: a queued event whose handler kept failing (a bug): the stream entry's fields, replayed by
  queueing it again under its original identity (`replay_of`), so that its replies keep their msgids.

A send whose window has closed is recorded with status `expired` and is never sent.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.retention.tags import customer_tag
from bot.store.base import Store

log = logging.getLogger(__name__)

DEAD_LETTERS = "siyu:deadletters"
MAX_DEAD_LETTERS = 100_000
DEAD, EXPIRED = "dead", "expired"


@dataclass
class DeadLetter:
    type: str  # "send" | "event"
    status: str  # DEAD | EXPIRED
    error: str
    at: float
    customer: str = ""  # customer_tag(...), never the id itself
    about: list[str] = field(default_factory=list)  # tags of other customers the payload speaks of
    endpoint: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    deadline: float = 0.0  # unix seconds; 0 = no window
    stream: str = ""
    event: str = ""  # the event key the record came from
    fields: dict[str, str] = field(default_factory=dict)
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> DeadLetter:
        data = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class DeadLetters:
    def __init__(self, store: Store, *, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    async def add(self, letter: DeadLetter) -> None:
        await self.store.lpush_capped(DEAD_LETTERS, letter.to_json(), MAX_DEAD_LETTERS)

    async def send_failed(self, endpoint: str, payload: dict[str, Any], error: str, *, status: str = DEAD,
                          deadline: float = 0.0, customer: str = "", event: str = "",
                          about: tuple[str, ...] = ()) -> None:
        await self.add(DeadLetter(type="send", status=status, error=error[:500], at=self.clock(),
                                  customer=customer_tag(customer) if customer else "", endpoint=endpoint,
                                  payload=payload, deadline=deadline, event=event, about=list(about)))

    async def event_failed(self, stream: str, event: str, fields: dict[str, str], error: str,
                           customer: str = "") -> None:
        await self.add(DeadLetter(type="event", status=DEAD, error=error[:500], at=self.clock(),
                                  customer=customer_tag(customer) if customer else "", stream=stream,
                                  event=event, fields=fields))

    async def list(self, limit: int = 1000) -> list[tuple[str, DeadLetter]]:
        raw = await self.store.lrange(DEAD_LETTERS, 0, max(limit, 1) - 1)
        return [(item, DeadLetter.from_json(item)) for item in raw]

    async def replay(self, send: Callable[[str, dict[str, Any]], Awaitable[None]],
                     requeue: Callable[[DeadLetter], Awaitable[None]]) -> dict[str, int]:
        """Send or requeue every dead record; a send whose window has closed becomes `expired` instead."""
        counts = {"replayed": 0, "expired": 0, "failed": 0}
        for raw, letter in reversed(await self.list(MAX_DEAD_LETTERS)):  # oldest first
            if letter.status != DEAD:
                continue
            try:
                if letter.type == "send" and letter.deadline and self.clock() >= letter.deadline:
                    letter.status, letter.error = EXPIRED, "the reply window closed before the replay"
                    await self.add(letter)
                    counts["expired"] += 1
                elif letter.type == "send":
                    await send(letter.endpoint, letter.payload)
                    counts["replayed"] += 1
                else:
                    await requeue(letter)
                    counts["replayed"] += 1
            except Exception as error:  # keep it for the next replay
                log.warning("dead letter %s not replayed: %s", letter.id, error)
                counts["failed"] += 1
                continue
            await self.store.lrem(DEAD_LETTERS, raw)
        return counts
