"""What happened to a customer, told to whoever listens (the funnel, the follow-up plans).

The gateway (a contact was added, welcomed, deleted the staff member) and the engine (the customer wrote,
a flow marked a milestone, a product was offered, the customer opted out) emit CustomerEvents; wiring
subscribes the listeners. Listeners must be idempotent: after a crash an event may be told twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

log = logging.getLogger(__name__)

# Milestones a flow may mark (`mark:` in flows/*.yaml) besides the ones the engine and gateway see itself.
FLOW_MARKS = ("ice_broken", "surveyed", "need_shown", "accepted", "refused", "purchased")
# Every customer event name, in funnel order where it is a stage.
ADDED, ENTERED, WELCOMED, MESSAGE = "added", "entered", "welcomed", "message"
RECOMMENDED, PURCHASED, OPTED_OUT, HANDOVER, CHURNED = "recommended", "purchased", "opted_out", "handover", "churned"
BOT_MESSAGE, FOLLOWUP = "bot_message", "followup"
FOLLOWUP_STEP = "followup:"  # a bot_message's step when a follow-up spoke: followup:<plan>.<step>
EVENT_NAMES = frozenset({ADDED, ENTERED, WELCOMED, MESSAGE, RECOMMENDED, OPTED_OUT, HANDOVER, CHURNED,
                         BOT_MESSAGE, FOLLOWUP, *FLOW_MARKS})


@dataclass(frozen=True, slots=True)
class CustomerEvent:
    name: str
    customer: str  # external_userid: the same whether the customer came by 活码 or by kf
    at: float
    conv: str = ""  # the conversation it happened in (kf:…, ext:…, chat:…)
    channel: str = ""  # acquisition channel when the event knows it (活码 State, kf scene)
    staff: str = ""  # the staff member involved (added, churned)
    step: str = ""  # bot_message: the flow state or follow-up step that spoke
    key: str = ""  # bot_message: the persona key said; followup: the outcome detail
    outcome: str = ""  # followup: due | sent | confirmed | cancelled | undeliverable | skipped | retry

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", 0.0)} | {"at": self.at}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustomerEvent:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


Listener = Callable[[CustomerEvent], Awaitable[None]]


class EventBus:
    """Fan-out to listeners in subscription order. A failing listener is logged and the others still hear the
    event: counting must never stop a customer's answer from going out (strict=True raises, for tests).

    Errors of the `transient` kinds (the store not answering) are raised after every listener has heard the
    event: the caller's queued event is then retried and tells its events again (listeners are idempotent),
    rather than losing them with a traceback per event while the store is away."""

    def __init__(self, *, transient: tuple[type[Exception], ...] = ()) -> None:
        self._listeners: list[Listener] = []
        self.transient = transient

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    @property
    def active(self) -> bool:
        return bool(self._listeners)

    async def emit(self, events: Iterable[CustomerEvent], *, strict: bool = False) -> None:
        pending: Exception | None = None
        for event in events:
            for listener in self._listeners:
                try:
                    await listener(event)
                except Exception as error:
                    if strict:
                        raise
                    if isinstance(error, self.transient):
                        pending = pending or error
                        continue
                    log.exception("listener failed on customer event %s", event.name)
        if pending is not None:
            raise pending
