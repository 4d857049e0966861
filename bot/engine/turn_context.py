"""What one turn has at hand, and what it collects: shared by the turn's parts (turn.py, flow_runner.py)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.conversation import Inbound, Outbound
from bot.engine import gift
from bot.engine.burst import Asked
from bot.engine.conditions import RETURNING, returning
from bot.engine.content import Content
from bot.engine.memory import recent, remember
from bot.engine.persona import Persona
from bot.engine.session import Session
from bot.policy.decide import Decision
from bot.policy.journal import ACTIONS
from bot.profile.model import Profile
from bot.store.tokens import unique_token
from bot.understanding.matcher import Result

MINOR_ME = "minor_me"  # session context: the minor the conversation is about is she (engine/minors.py)
ME = "me"  # a persona key's variant said to her then (recommend.minor.me)
AGAIN, AGAIN_WITHIN = "again", 2  # a persona key's variant said when it was said this few turns ago (optional)
SAID = "said:"  # session context: a persona key with an `.again` line was said (on that turn)

log = logging.getLogger(__name__)


@dataclass
class Reply:
    """What one turn collects before it is turned into a Turn."""

    messages: list[Outbound] = field(default_factory=list)
    handover: bool = False
    schedule: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)
    near_miss: Result | None = None
    # what was answered with the fallback, whose line promises a colleague will look: kept for `siyu misses` too
    unanswered: list[Result] = field(default_factory=list)
    confirmed: tuple[str, str] | None = None  # (what she asked, the entry she said yes to): kept for `siyu misses`
    decisions: list[Decision] = field(default_factory=list)  # what the policy answered, for the journal
    marks: list[str] = field(default_factory=list)  # milestones flows marked (`mark:`), for the funnel
    entered: list[str] = field(default_factory=list)  # flow.state entered this turn, in order
    handover_after: str = ""  # an FAQ entry answered that a person must follow up (`handover: true`)


class _Variables(Mapping[str, Any]):
    """What a persona message may say, looked up when it does (most say nothing of it): `extra` first, then
    {options}, the session's slots, and each codebook question's answer label (a question unanswered: "")."""

    def __init__(self, ctx: TurnContext, extra: dict[str, str]) -> None:
        self.ctx, self.extra = ctx, extra

    def __getitem__(self, name: str) -> Any:
        if name in self.extra:
            return self.extra[name]
        if name == "options":
            return self.ctx._options()
        ctx = self.ctx
        if name in ctx.session.slots:
            return ctx.session.slots[name]
        codebook = ctx.content.codebook
        if name in codebook.questions:
            return codebook.label(name, ctx.profile.answered(name))
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        ctx = self.ctx
        return iter(dict.fromkeys([*ctx.content.codebook.questions, *ctx.session.slots, "options", *self.extra]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass
class TurnContext:
    """The customer's session and the content version this turn runs on, and the turn's own output."""

    content: Content
    key: str
    session: Session
    profile: Profile  # the customer's, shared with their other conversations (locked for this turn)
    inbound: Inbound
    reply: Reply
    now: float
    hour: int  # local hour of `now`, for greetings by time of day
    why: list[str]  # the reasons, shown by /debug and asserted by conversation tests
    asked: Asked = field(default_factory=Asked)  # what the last state entered asked (engine/burst.py)
    today: date | None = None  # local date of `now` (SIYU_TIMEZONE): days since she signed, engine/delivered.py

    @property
    def persona(self) -> Persona:
        return self.content.personas[self.session.persona]

    def say(self, key: str, **extra: str) -> None:
        session = self.session
        messages = self.persona.messages
        if f"{key}.{AGAIN}" in messages and self._said_lately(key):
            key = f"{key}.{AGAIN}"  # intent.ask_identity asked again in other words: a shorter line, not the same one
        elif f"{key}.{gift.GIFT}" in messages and gift.active(session, self.content.policy.flow) is not None:
            key = f"{key}.{gift.GIFT}"  # recommend.which_concern.gift: asks about the one it is for, not her
        elif f"{key}.{RETURNING}" in messages and returning(self.profile, self.content.plans.purchase_tags):
            key = f"{key}.{RETURNING}"  # faq.coupon_how.returning: no new-customer coupon for a customer who bought
        elif f"{key}.{ME}" in messages and isinstance(session.context.get(MINOR_ME), dict):
            key = f"{key}.{ME}"  # recommend.minor.me: the minor is she (我15岁), said to her, not about TA
        spoken = self.persona.say(key, seed=self.inbound.event_id, last=session.last_variant.get(key),
                                  channel=session.channel, hour=self.hour, variables=_Variables(self, extra))
        if spoken is None:
            log.error("persona %s has no message %r", self.persona.id, key)
            return
        session.last_variant[key] = spoken.index
        self.reply.messages.append(Outbound(text=spoken.text, label=spoken.key))

    def _said_lately(self, key: str) -> bool:
        """Whether the persona's `key` (one with an `.again` line) was said within AGAIN_WITHIN turns of this visit
        (the policy's session gap); now it is."""
        said = recent(self.session, f"{SAID}{key}", within=AGAIN_WITHIN)
        remember(self.session, f"{SAID}{key}", self.now)
        return isinstance(said, (int, float)) and self.now - said < self.content.policy.session_gap  # not last visit

    def _options(self) -> str:
        """{options}: the codes and labels of the current state's codebook question ("1 干皮 2 油皮")."""
        flow = self.content.flows.get(self.session.flow)
        state = flow.spec.states.get(self.session.state) if flow else None
        code = state.ask.code if state is not None and state.ask is not None else None
        return self.content.codebook.render(code) if code else ""

    def record(self, decision: Decision) -> None:
        """The policy's answer: kept for the journal (siyu why) and explained in /debug."""
        self.reply.decisions.append(decision)
        self.why.append(f"策略 {decision.trigger}: {ACTIONS.get(decision.action, decision.action)}（{decision.action}）"
                        + (f" {decision.product.id}" if decision.product else "")
                        + (f"（问 {decision.question}）" if decision.question else "")
                        + " — " + "；".join(decision.reasons))

    def attach(self, attachment: dict[str, Any], label: str) -> None:
        self.reply.messages.append(Outbound(attachment=attachment, label=label))

    # -- the one timer a session has (a burst settling, or a flow state's silence rule) -------------
    def set_timer(self, kind: str, due: float) -> None:
        self.cancel_timer()
        token = unique_token()
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
