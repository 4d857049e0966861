"""What one turn has at hand, and what it collects: shared by the turn's parts (turn.py, flow_runner.py)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.conversation import Inbound, Outbound
from bot.engine.content import Content
from bot.engine.persona import Persona
from bot.engine.session import Session
from bot.understanding.matcher import Result

log = logging.getLogger(__name__)


@dataclass
class Reply:
    """What one turn collects before it is turned into a Turn."""

    messages: list[Outbound] = field(default_factory=list)
    handover: bool = False
    schedule: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)
    near_miss: Result | None = None


@dataclass
class TurnContext:
    """The customer's session and the content version this turn runs on, and the turn's own output."""

    content: Content
    key: str
    session: Session
    inbound: Inbound
    reply: Reply
    now: float
    hour: int  # local hour of `now`, for greetings by time of day
    why: list[str]  # the reasons, shown by /debug and asserted by conversation tests

    @property
    def persona(self) -> Persona:
        return self.content.personas[self.session.persona]

    def say(self, key: str, **extra: str) -> None:
        session = self.session
        variables: dict[str, Any] = {**session.slots, **extra}
        spoken = self.persona.say(key, seed=self.inbound.event_id, last=session.last_variant.get(key),
                                  channel=session.channel, hour=self.hour, variables=variables)
        if spoken is None:
            log.error("persona %s has no message %r", self.persona.id, key)
            return
        session.last_variant[key] = spoken.index
        self.reply.messages.append(Outbound(text=spoken.text, label=spoken.key))

    def attach(self, attachment: dict[str, Any], label: str) -> None:
        self.reply.messages.append(Outbound(attachment=attachment, label=label))

    # -- the one timer a session has (a burst settling, or a flow state's silence rule) -------------
    def set_timer(self, kind: str, due: float) -> None:
        self.cancel_timer()
        token = uuid.uuid4().hex[:16]
        self.session.timer = {"token": token, "kind": kind}
        data = {"conv": self.key, "customer": self.inbound.customer, "token": token, "kind": kind}
        self.reply.schedule.append((due, data))

    def cancel_timer(self) -> None:
        """Any timer is off once the customer acts (a burst's texts stay in session.pending)."""
        timer = self.session.timer
        if timer is not None:
            if timer.get("member"):
                self.reply.cancel.append(str(timer["member"]))
            self.session.timer = None
