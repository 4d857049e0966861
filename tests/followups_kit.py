"""Follow-ups wired as in production — engine, profile, policy, WeCom delivery against the fake WeCom — with
a clock the test moves. Shared by the follow-up test modules."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.events import ADDED, MESSAGE, CustomerEvent, EventBus
from bot.followups.facts import ProfileView
from bot.followups.listener import FollowupListener
from bot.followups.record import PlanState, Records
from bot.followups.runner import FollowUps
from bot.followups.scheduler import Outcome
from bot.followups.wecom import WeComDelivery
from bot.gateway.deadletters import DeadLetters
from bot.gateway.kf import KfChannel
from bot.gateway.kf_pull import KfPuller
from bot.gateway.queue import Queue
from bot.gateway.sender import Sender
from bot.metrics import Metrics
from bot.profile.store import Profiles
from bot.protocol.api import WeComAPI
from bot.store.base import Store
from tests.content_cache import bundled_library
from tests.fake_wecom import FakeWeCom

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = bundled_library()
MORNING = 1_767_225_600.0 + 2 * 3600  # 2026-01-01 10:00 in Shanghai


class Clock:
    def __init__(self, now: float = MORNING) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Rig:
    store: Store
    fake: FakeWeCom
    clock: Clock
    bus: EventBus
    records: Records
    followups: FollowUps
    kf: KfChannel
    told: list[CustomerEvent] = field(default_factory=list)

    async def tell(self, name: str, customer: str, **extra: str) -> None:
        await self.bus.emit([CustomerEvent(name, customer, self.clock(), **extra)])

    async def added(self, customer: str, staff: str = "emp1", channel: str = "live") -> None:
        async with Profiles(self.store).edit(customer) as profile:
            profile.staff.setdefault(staff, [])  # as bot/gateway/contacts.py does on add_external_contact
        self.fake.add_relation(customer, staff)
        await self.tell(ADDED, customer, staff=staff, channel=channel, conv=f"ext:{staff}:{customer}")

    async def wrote_in_kf(self, customer: str, open_kfid: str = "wk1") -> None:
        await self.kf.customer_wrote(open_kfid, customer, self.clock())
        await self.tell(MESSAGE, customer, conv=f"kf:{open_kfid}:{customer}")

    async def plan(self, customer: str, name: str = "seeds") -> PlanState:
        return (await self.records.load(customer)).plan(name) or PlanState()

    async def run_at_planned(self, customer: str, name: str = "seeds") -> list[Outcome]:
        """Look first (a poke), then move the clock to the planned moment and run what is due."""
        await self.followups.run(customer)
        state = await self.plan(customer, name)
        assert state.planned, f"nothing planned for {customer}: {state}"
        self.clock.now = max(self.clock.now, state.planned)
        return await self.followups.run(customer)

    def outcomes(self, outcome: str) -> list[CustomerEvent]:
        return [e for e in self.told if e.name == "followup" and e.outcome == outcome]


@asynccontextmanager
async def rig(store: Store, fake: FakeWeCom, *, agent_id: int | None = 1000002,
              library: Library = LIBRARY) -> AsyncIterator[Rig]:
    clock = Clock()
    fake.now = fake.clock = clock
    metrics = Metrics()
    bus = EventBus()
    async with aiohttp.ClientSession() as session:
        api = WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=metrics, backoff_s=0.0,
                       rate_limit_pause_max_s=0.05)  # WeCom's rate limits are waited out, briefly
        sender = Sender(api, DeadLetters(store, clock=clock), metrics, clock=clock, retry_max_s=0.05)
        kf = KfChannel(store, api, KfPuller(store, api, Queue(store), metrics, clock=clock), sender, metrics,
                       clock=clock)
        engine = Engine(library, store, clock=clock, burst_window=0, events=bus)

        def plans():  # type: ignore[no-untyped-def]
            return library.current.plans

        delivery = WeComDelivery(store, api, kf, sender, metrics, agent_id=agent_id, plans=plans)
        records = Records(store)
        followups = FollowUps(plans, store, engine, view=ProfileView(store, lambda: library.current),
                              delivery=delivery, events=bus, clock=clock)
        bus.subscribe(FollowupListener(records, plans))
        the_rig = Rig(store, fake, clock, bus, records, followups, kf)

        async def collect(event: CustomerEvent) -> None:
            the_rig.told.append(event)

        bus.subscribe(collect)
        yield the_rig
