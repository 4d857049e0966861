"""What the plans' conditions read about a customer, and whether a proactive offer is allowed now.

Conditions (`when:` of a step) see the customer's tags, slots, opt-out and channel; a `recommend` step
(and `offer_allowed`) asks the need policy whether a proactive offer may be made now, and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.engine.machine import holds
from bot.engine.session import Session, Sessions
from bot.followups.plans import StepWhen
from bot.followups.record import Record
from bot.store.base import Store

REFUSAL_COOLDOWN_S = 14 * 86400


@dataclass
class Facts:
    tags: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    opted_out: bool = False
    channel: str = ""

    def session(self) -> Session:
        return Session(tags=list(self.tags), slots=dict(self.slots), opted_out=self.opted_out, channel=self.channel)


class CustomerView(Protocol):
    async def facts(self, record: Record) -> Facts: ...

    async def may_offer(self, record: Record, facts: Facts, now: float) -> tuple[bool, str]: ...


def conversations(record: Record) -> list[str]:
    """The conversation keys this customer has, most recent first."""
    keys = [record.fields.get("conv", "")]
    if record.fields.get("kf"):
        keys.append(f"kf:{record.fields['kf']}:{record.customer}")
    if record.fields.get("staff"):
        keys.append(f"ext:{record.fields['staff']}:{record.customer}")
    return [k for k in dict.fromkeys(keys) if k]


class SessionView:
    """Facts merged from the customer's conversation sessions (kf, contact, terminal)."""

    def __init__(self, store: Store) -> None:
        self.sessions = Sessions(store)

    async def facts(self, record: Record) -> Facts:
        facts = Facts(channel=record.fields.get("ch", ""))
        for key in reversed(conversations(record)):  # the most recent conversation wins on slots
            session = await self.sessions.load(key)
            facts.tags.extend(t for t in session.tags if t not in facts.tags)
            facts.slots.update({k: v for k, v in session.slots.items() if v not in (None, "")})
            facts.opted_out = facts.opted_out or session.opted_out
            facts.channel = facts.channel or session.channel
        return facts

    async def may_offer(self, record: Record, facts: Facts, now: float) -> tuple[bool, str]:
        if facts.opted_out:
            return False, "说过别推了"
        refused = record.time("refused")
        if refused and now - refused < REFUSAL_COOLDOWN_S:
            return False, "拒绝过，冷却中"
        if "冷淡" in facts.tags and not facts.slots.get("wants"):
            return False, "冷淡"
        need = facts.slots.get("need", 0)
        if "需求强" in facts.tags or (isinstance(need, int | float) and need >= 2) or facts.slots.get("wants"):
            return True, "需求明确"
        return False, "需求还不明确"


def condition_holds(when: StepWhen | None, facts: Facts) -> bool:
    return holds(when, facts.session())
