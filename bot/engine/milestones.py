"""What a turn means for the funnel and the follow-up plans: the customer events it produced.

Computed from the customer's profile before and after the turn, the policy's decisions and what the turn
collected (messages, flow marks, states entered), and remembered with the turn, so that a redelivered event
tells the same events again (listeners are idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.conversation import Inbound, InboundKind
from bot.engine.session import Session
from bot.engine.turn_context import Reply
from bot.events import (
    BOT_MESSAGE,
    FOLLOWUP_STEP,
    HANDOVER,
    MESSAGE,
    OPTED_OUT,
    PURCHASED,
    RECOMMENDED,
    CustomerEvent,
)
from bot.policy.decide import Action
from bot.profile.model import Profile

_NOT_THE_CUSTOMER = {InboundKind.TIMER, InboundKind.WELCOME, InboundKind.ENTER_SESSION, InboundKind.FOLLOWUP,
                     InboundKind.HANDBACK, InboundKind.RECALL}
_NEED = (Action.RECOMMEND, Action.ASK_FIRST)


@dataclass(frozen=True)
class Before:
    opted_out: bool
    offers: int
    refusals: int
    purchases: int


def snapshot(profile: Profile) -> Before:
    return Before(profile.opted_out, len(profile.offers), len(profile.refusals), len(profile.purchases))


def milestones(key: str, inbound: Inbound, before: Before, session: Session, profile: Profile, reply: Reply,
               now: float) -> list[CustomerEvent]:
    if key.startswith("app:") or not inbound.customer:
        return []  # members of the corp talking to the app are not customers

    def event(name: str, at: float = now, **extra: str) -> CustomerEvent:
        return CustomerEvent(name, inbound.customer, at, conv=key, channel=session.channel, **extra)

    events = []
    if inbound.kind not in _NOT_THE_CUSTOMER:
        events.append(event(MESSAGE, inbound.at or now))
    marks = list(reply.marks)
    if any(d.action in _NEED for d in reply.decisions):
        marks.append("need_shown")  # the policy saw a clear need (or an explicit ask)
    if len(profile.refusals) > before.refusals:
        marks.append("refused")
    events.extend(event(mark) for mark in dict.fromkeys(marks))
    if len(profile.offers) > before.offers:
        events.append(event(RECOMMENDED))
    if len(profile.purchases) > before.purchases:
        events.append(event(PURCHASED))
    if profile.opted_out and not before.opted_out:
        events.append(event(OPTED_OUT))
    if reply.handover:
        events.append(event(HANDOVER))
    if reply.messages:
        events.append(event(BOT_MESSAGE, step=_step(inbound, session, reply), key=reply.messages[-1].label))
    return events


def _step(inbound: Inbound, session: Session, reply: Reply) -> str:
    """Which step of the conversation spoke: a follow-up step, the flow state entered, or what was said."""
    if inbound.kind is InboundKind.FOLLOWUP:
        return f"{FOLLOWUP_STEP}{inbound.data.get('plan', '')}.{inbound.data.get('step', '')}"
    if reply.entered:
        return reply.entered[-1]
    if session.flow:
        return f"{session.flow}.{session.state}"
    return reply.messages[-1].label or "-"


def pack(events: list[CustomerEvent]) -> list[dict[str, Any]]:
    return [e.to_dict() for e in events]


def unpack(done: dict[str, Any]) -> list[CustomerEvent]:
    return [CustomerEvent.from_dict(e) for e in done.get("events", [])]
