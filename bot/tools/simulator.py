"""A customer talking to the engine without WeCom: for `siyu chat`, `siyu test` and the tests.

It drives the real engine and the real follow-up plans on a store (the embedded one by default) with a
clock it controls: when the clock moves on, durable timers and due follow-ups fire in time order, each at
its own moment, exactly as the gateway's timer pump and follow-up pump would make them fire. Follow-ups
are delivered straight to the screen (the WeCom routes are tested against the fake WeCom).
"""

from __future__ import annotations

import time
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation import FIRST_TEXT, Inbound, InboundKind, Outbound
from bot.engine.engine import Engine
from bot.engine.followup import product_names
from bot.engine.library import Library
from bot.engine.session import Session
from bot.events import ADDED, CHURNED, ENTERED, PURCHASED, WELCOMED, CustomerEvent, EventBus
from bot.followups.delivery import EMPTY, SENT, Delivered, Job
from bot.followups.facts import ProfileView
from bot.followups.listener import FollowupListener
from bot.followups.record import DUE_KEY, PlanState, Record, Records, Template, customer_of
from bot.followups.runner import FollowUps
from bot.followups.scheduler import Outcome
from bot.profile.model import Profile
from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.timers import TIMERS_KEY

TEST_KF_URL = "https://work.weixin.qq.com/kfid/kfc_siyu_test"
STAFF = "siyu_staff"


class DirectDelivery:
    """Every follow-up reaches the customer at once, in the one conversation the simulator has."""

    def __init__(self, conversation: str, event_ids: list[str]) -> None:
        self.conversation = conversation
        self.event_ids = event_ids
        self.delivered: list[Outbound] = []

    async def send(self, job: Job) -> Delivered:
        self.event_ids.append(job.event_id)  # its decisions count for the step (siyu test)
        turn = await job.compose(self.conversation)
        if not turn.messages:
            return Delivered(EMPTY, "direct", "nothing to say")
        self.delivered.extend(turn.messages)
        return Delivered(SENT, "direct", confirmed=True, turn=turn)

    async def template_status(self, template: Template, customer: str) -> str:
        raise AssertionError("the simulator never creates group-message tasks")

    async def remind(self, template: Template) -> bool:
        return False

    async def cancel(self, template: Template) -> str:
        return ""


class Simulator:
    def __init__(self, library: Library, *, store: Store | None = None, customer: str = "wm_chat_customer",
                 channel: str = "", start: float | None = None, burst_window: float = 0.0,
                 timezone: str = "Asia/Shanghai", bus: EventBus | None = None, run: str = "") -> None:
        self.store = store or MemoryStore()
        self.now = time.time() if start is None else start
        self.bus = bus or EventBus()
        self.engine = Engine(library, self.store, clock=lambda: self.now, burst_window=burst_window,
                             timezone=timezone, events=self.bus, keep_trace=True)
        self.library = library
        self.customer = customer
        self.zone = ZoneInfo(timezone)
        self.key = f"chat:{customer}"
        self.channel = channel
        self.sequence = 0
        # event ids must not repeat across runs on a kept store (the engine answers a repeated id as a redelivery)
        self.run = run
        self.events: list[str] = []  # every event id sent, in order
        self.records = Records(self.store)
        self.delivery = DirectDelivery(self.key, self.events)
        self.outcomes: list[Outcome] = []
        self.followup_times: list[float] = []  # when each follow-up message went out
        self.fired_before: list[str] = []  # flow rules fired by an earlier turn of the last step (enter + first)
        self.wait_times: list[float] = []  # when each message the last wait() returned went out, in order
        self.followups = FollowUps(lambda: library.current.plans, self.store, self.engine,
                                   view=ProfileView(self.store, lambda: library.current), delivery=self.delivery,
                                   events=self.bus, clock=lambda: self.now, timezone=timezone)
        self.bus.subscribe(FollowupListener(self.records, lambda: library.current.plans))

    def _inbound(self, kind: InboundKind, text: str = "", channel: str = "",
                 data: dict[str, str] | None = None) -> Inbound:
        self.sequence += 1
        self.events.append(f"sim/{self.customer}/{self.run}{self.sequence}")
        return Inbound(event_id=self.events[-1], kind=kind, customer=self.customer,
                       text=text, channel=channel, at=self.now, data=data or {})

    async def send(self, kind: InboundKind, text: str = "", channel: str | None = None,
                   data: dict[str, str] | None = None) -> list[Outbound]:
        inbound = self._inbound(kind, text, self.channel if channel is None else channel, data)
        turn = await self.engine.respond(self.key, inbound)
        return turn.messages

    async def say(self, text: str) -> list[Outbound]:
        messages = await self.send(InboundKind.TEXT, text)
        return messages + await self.wait(0)

    async def burst(self, texts: list[str], window: float = 2.0, gap: float = 0.5) -> list[Outbound]:
        """Several messages typed within the burst window, `gap` seconds apart: answered once, as the
        kf path answers them (the engine waits for the burst to settle)."""
        kept = self.engine.burst_window
        self.engine.burst_window = window
        try:
            messages: list[Outbound] = []
            for number, text in enumerate(texts):
                if number:
                    messages += await self.wait(gap)
                messages += await self.send(InboundKind.TEXT, text)
            return messages + await self.wait(window)
        finally:
            self.engine.burst_window = kept

    async def welcome(self, *, kf_link: bool = True) -> list[Outbound]:
        """A new contact (活码) and its welcome, as the gateway does it (the staff relation goes in the profile)."""
        async with self.engine.profiles.edit(self.customer) as profile:
            profile.staff.setdefault(STAFF, [])
        await self.tell(ADDED, staff=STAFF)
        messages = await self.send(InboundKind.WELCOME, data={"kf_url": TEST_KF_URL} if kf_link else {})
        await self.tell(WELCOMED)
        return messages + await self.wait(0)

    async def enter(self, *, from_welcome: bool = False, first: str | None = None) -> list[Outbound]:
        """The customer opens the kf chat (from the contact welcome's card, or any other kf link). `first`: she
        writes it at once, within the welcome's hold (bot/gateway/kf_welcome.py): the welcome, decided knowing
        it, then the answer to it."""
        await self.tell(ENTERED)
        data = {"scene": "contact_welcome"} if from_welcome else {}
        if first is not None:
            data[FIRST_TEXT] = first
        messages = await self.send(InboundKind.ENTER_SESSION, data=data)
        if messages:  # the gateway tells it only of a welcome that went out
            await self.tell(WELCOMED)
        if first is not None:
            self.fired_before = list((await self.session()).fired)  # the welcome's rules, for `siyu test --coverage`
            messages += await self.send(InboundKind.TEXT, first)
        return messages + await self.wait(0)

    async def bought(self, said: str = "") -> str:
        """The product a `/buy` is of, as the shop's POST /orders would say it: the one `said` names (its name, a
        word only its name holds, or its id), else the product in view of the conversation; "" when neither."""
        understanding = self.library.current.understanding
        products = {p.id: p for p in understanding.knowledge.products}
        if said.strip() in products:
            return said.strip()
        if said.strip():
            named = product_names(understanding).named(understanding.normalize(said))
            if named is None:  # 舒缓 of 舒缓修护精华: a piece of one product's name only
                holding = [p.id for p in products.values() if said.strip() in p.name]
                return holding[0] if len(holding) == 1 else ""
            return named.product.id
        item = (await self.session()).context.get("product")
        value = str(item.get("value")) if isinstance(item, dict) else ""
        return value if value in products else ""

    async def purchase(self, product: str = "") -> list[Outbound]:
        """An order, as POST /orders tells it: the purchase goes into the profile, then the event."""
        async with self.engine.profiles.edit(self.customer) as profile:
            profile.record_purchase(product, self.now)
        await self.tell(PURCHASED)
        return await self.wait(0)

    async def delete(self) -> list[Outbound]:
        """The customer deletes the staff member (del_follow_user): the profile loses the relation and records the
        churn, as bot/gateway/profile_events.py does, then the event (a handover does not stop either)."""
        async with self.engine.profiles.edit(self.customer) as profile:
            profile.staff.pop(STAFF, None)
            if not profile.churned_at:
                profile.churned_at = self.now
        await self.tell(CHURNED, staff=STAFF)
        return await self.wait(0)

    async def tell(self, name: str, **extra: str) -> None:
        await self.bus.emit([CustomerEvent(name, self.customer, self.now, conv=self.key, channel=self.channel,
                                              **extra)])

    async def wait(self, seconds: float) -> list[Outbound]:
        """Move the clock on; every timer and follow-up that falls due fires in order, at its own time."""
        target = self.now + seconds
        messages: list[Outbound] = []
        self.wait_times = []
        while True:
            timers = [(score, member) for member, score in await self.store.zdue(TIMERS_KEY, target, 1000)
                      if f'"conv":"{self.key}"' in member]
            followups = [(score, member) for member, score in await self.store.zdue(DUE_KEY, target, 1000)
                         if customer_of(member) == self.customer]
            if not timers and not followups:
                break
            first_timer = min(timers, default=None)
            first_followup = min(followups, default=None)
            if first_timer is not None and (first_followup is None or first_timer[0] <= first_followup[0]):
                self.now = max(self.now, first_timer[0])
                fired = await self._fire_timer(first_timer[1])
            else:
                assert first_followup is not None
                self.now = max(self.now, first_followup[0])
                await self.store.zrem(DUE_KEY, first_followup[1])
                self.outcomes += await self.followups.run(self.customer)
                self.followup_times += [self.now] * len(self.delivery.delivered)
                fired, self.delivery.delivered = self.delivery.delivered, []
            messages += fired
            self.wait_times += [self.now] * len(fired)
        self.now = target
        return messages

    async def _fire_timer(self, member: str) -> list[Outbound]:
        found = [data for m, data in await self.engine.timers.due(self.now) if m == member]
        await self.engine.timers.cancel(member)
        if not found:
            return []
        data = {k: str(v) for k, v in found[0].items()}
        turn = await self.engine.respond(self.key, self._inbound(InboundKind.TIMER, data=data))
        return turn.messages

    async def session(self) -> Session:
        return await self.engine.sessions.load(self.key)

    async def record(self) -> Record:
        return await self.records.load(self.customer)

    async def next_followup(self) -> str:
        """plan.step of the follow-up planned first ("" when none is)."""
        record = await self.record()
        planned: list[tuple[float, str]] = []
        for name in record.plan_names:
            state = record.plan(name) or PlanState()
            if state.step and state.planned:
                planned.append((state.planned, f"{name}.{state.step}"))
        return min(planned)[1] if planned else ""

    async def profile(self) -> Profile:
        return await self.engine.profiles.load(self.customer)

    async def decisions(self, since: int = 0) -> list[dict[str, Any]]:
        """Decisions the policy made for the events sent since `since` (an index into self.events), oldest first."""
        events = set(self.events[since:])
        return [d for d in reversed(await self.engine.journal.read(self.customer)) if d.get("event") in events]

    async def reset(self) -> None:
        await self.engine.reset(self.key)
        await self.store.delete(self.engine.profiles.key(self.customer), self.engine.journal.key(self.customer))
