"""What the plans' conditions read about a customer, and whether a proactive offer is allowed now.

Everything comes from the customer's profile (bot/profile: tags, answers, opt-out, purchases, staff
relations — one record whichever way the customer came) and the need policy (bot/policy: "may I make a
proactive offer now, and why?"); slots and channel from the customer's latest conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.enforcement import blacklist
from bot.engine.conditions import compare, holds
from bot.engine.content import Content
from bot.engine.session import Session, Sessions
from bot.followups.plans import StepWhen
from bot.followups.record import Record
from bot.policy.decide import Action, may_offer, need_score
from bot.profile.model import Profile
from bot.profile.store import Profiles
from bot.store.base import Store

OFFERS = (Action.RECOMMEND, Action.ASK_FIRST)  # what counts as "a proactive offer may be made"


@dataclass
class Facts:
    profile: Profile
    session: Session
    forget_after: float = 30 * 86400.0  # the policy's: evidence older than this no longer counts

    def need(self, now: float) -> float:
        """The need score now, as the policy counts it (docs/policy.md)."""
        return need_score(self.profile, now, self.forget_after)

    @property
    def name(self) -> str:
        return str(self.session.slots.get("name") or "")

    def staff(self, record: Record) -> str:
        """The staff member who owns the customer: the one they added last, while the relation lasts."""
        relations = list(self.profile.staff)
        last = record.fields.get("staff", "")
        if last in relations:
            return last
        return relations[-1] if relations else ""


class CustomerView(Protocol):
    async def facts(self, record: Record) -> Facts: ...

    async def may_offer(self, record: Record, facts: Facts, now: float) -> tuple[bool, str]: ...

    async def purchase_tagged(self, record: Record, tags: list[str], now: float) -> bool: ...


class ProfileView:
    def __init__(self, store: Store, content: Callable[[], Content], *, profiles: Profiles | None = None) -> None:
        self.store = store
        self.profiles = profiles or Profiles(store)
        self.sessions = Sessions(store)
        self.content = content

    async def facts(self, record: Record) -> Facts:
        profile = await self.profiles.load(record.customer)
        conversation = record.fields.get("conv", "")
        session = await self.sessions.load(conversation) if conversation else Session()
        session.channel = session.channel or profile.channel or record.fields.get("ch", "")
        session.restrained = blacklist.restraint_of(await self.store.get(blacklist.key(record.customer)),
                                                     record.customer) or ""
        return Facts(profile, session, self.content().policy.forget_after)

    async def may_offer(self, record: Record, facts: Facts, now: float) -> tuple[bool, str]:
        content = self.content()
        decision = may_offer(content.policy, content.codebook, content.understanding.knowledge.products,
                             facts.profile, now, trigger="follow-up", restrained=facts.session.restrained)
        return decision.action in OFFERS, "；".join(decision.reasons) or str(decision.action)

    async def purchase_tagged(self, record: Record, tags: list[str], now: float) -> bool:
        """A purchase tag (e.g. staff set 已购 in WeCom) makes a purchase; it goes into the profile once."""
        if not set(tags) & set((await self.profiles.load(record.customer)).tags):
            return False
        async with self.profiles.edit(record.customer) as profile:
            if not profile.purchased:
                profile.record_purchase("", now)
        return True


def condition_holds(when: StepWhen | None, facts: Facts, now: float) -> bool:
    if when is None:
        return True
    if when.purchased is not None and when.purchased != facts.profile.purchased:
        return False
    if when.need is not None and not compare(facts.need(now), when.need):
        return False
    return holds(when, facts.session, facts.profile)
