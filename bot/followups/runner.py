"""Running a customer's follow-ups when they fall due: once, within the rules, every outcome counted.

Under the customer's follow-up lock: settle a group-message task waiting for staff, look at every plan
(start, stop, re-anchor, skip what has passed), and for a step due now check — in this order — a task still
waiting, the one-per-day limit, quiet hours, the step's conditions and the need policy; then deliver it
(the delivery picks the route) and schedule what comes next. A step being delivered is written down first
(`job`), so a crash in the middle finishes the same delivery with the same ids instead of a new one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

from bot.conversation import Conversation, ConversationBusy, Inbound, InboundKind, Turn
from bot.events import FOLLOWUP, MESSAGE, PURCHASED, CustomerEvent, EventBus
from bot.followups.delivery import (
    CONFIRMED,
    EMPTY,
    NOT_FRIEND,
    QUOTA,
    RETRY,
    SENT,
    UNKNOWN,
    WAITING,
    Delivered,
    Delivery,
    Job,
)
from bot.followups.facts import CustomerView, condition_holds
from bot.followups.plans import ALWAYS_STOP, FollowupFile
from bot.followups.record import Record, Records
from bot.followups.scheduler import Due, Outcome, Scheduler
from bot.followups.windows import is_quiet, local_day
from bot.store.base import Store

log = logging.getLogger(__name__)

LOCK_TTL_MS = 120_000
MAX_PASSES = 12
# when to look at a group-message task after it was created, and at which looks to remind the staff member
TEMPLATE_CHECKS = (3600, 4 * 3600, 24 * 3600, 48 * 3600, 72 * 3600)
TEMPLATE_REMIND = frozenset({1, 2, 3})  # at most one reminder per look, so never more than 3 in 24 h
TEMPLATE_RETRY_S = 600.0  # WeCom did not answer a look at a task's result: the next look


class FollowupBusy(ConversationBusy):
    """Another process holds this customer's follow-ups for too long; the queued event is retried."""


class FollowUps:
    def __init__(self, plans: Callable[[], FollowupFile], store: Store, conversation: Conversation, *,
                 view: CustomerView, delivery: Delivery, events: EventBus, clock: Callable[[], float] = time.time,
                 timezone: str = "Asia/Shanghai") -> None:
        self.plans = plans
        self.store = store
        self.records = Records(store)
        self.conversation = conversation
        self.view = view
        self.delivery = delivery
        self.events = events
        self.clock = clock
        self.zone = ZoneInfo(timezone)

    # -- entry -----------------------------------------------------------------------------------
    async def run(self, customer: str) -> list[Outcome]:
        """Do whatever is due for this customer now; returns what happened (also told to the event bus)."""
        async with self._locked(customer):
            now = self.clock()
            record = await self.records.load(customer)
            before = dict(record.fields)
            scheduler = Scheduler(self.plans(), self.zone)
            outcomes: list[Outcome] = []
            told = await self._purchase_tagged(record, scheduler.plans, now)
            if record.job is not None:
                outcomes += await self._finish_job(record, scheduler, now)
            outcomes += await self._settle_template(record, now)
            next_due: float | None = None
            for _ in range(MAX_PASSES):  # a skipped or sent step may make the next one due at once
                look = scheduler.look(record, now)
                outcomes += look.outcomes
                next_due = look.next_due
                if not look.due:
                    break
                for due in look.due:
                    outcomes += await self._attempt(record, scheduler, due, now)
            else:
                next_due = now + 60
            template = record.template
            if template is not None:
                next_due = min(next_due or template.next_check, template.next_check)
            changes = {k: v for k, v in record.fields.items() if before.get(k) != v and k != "due"}
            changes["job"] = record.fields.get("job", "")  # written on its own while delivering
            await self.records.save(record, changes, next_due)
        await self.events.emit([*told, *(self._event(record, o, now) for o in outcomes)])
        return outcomes

    async def _purchase_tagged(self, record: Record, plans: FollowupFile, now: float) -> list[CustomerEvent]:
        if not plans.purchase_tags or record.time(PURCHASED):
            return []
        if not await self.view.purchase_tagged(record, plans.purchase_tags, now):
            return []
        record.fields[PURCHASED] = f"{now:.0f}"
        return [CustomerEvent(PURCHASED, record.customer, now, channel=record.fields.get("ch", ""))]

    @asynccontextmanager
    async def _locked(self, customer: str) -> AsyncIterator[None]:
        lock, owner = f"siyu:fu:lock:{customer}", uuid.uuid4().hex
        deadline = time.monotonic() + 10
        while not await self.store.acquire(lock, owner, LOCK_TTL_MS):
            if time.monotonic() > deadline:
                raise FollowupBusy(f"follow-up lock of {customer} is held")
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            await self.store.release(lock, owner)

    def _event(self, record: Record, outcome: Outcome, now: float) -> CustomerEvent:
        return CustomerEvent(FOLLOWUP, record.customer, now, channel=record.fields.get("ch", ""),
                             step=f"{outcome.plan}.{outcome.step}", outcome=outcome.outcome, key=outcome.detail)

    # -- one due step ----------------------------------------------------------------------------
    async def _attempt(self, record: Record, scheduler: Scheduler, due: Due, now: float) -> list[Outcome]:
        plan, step = due.plan, due.step
        outcomes = [Outcome(plan, step.id, "due")] if due.state.tries == 0 else []

        def postpone(not_before: float, reason: str) -> None:
            if not scheduler.later(record, plan, due, not_before):
                outcomes.append(Outcome(plan, step.id, "skipped", reason))
                scheduler.skip(record, plan, due)

        template = record.template
        if template is not None:
            postpone(template.next_check, "group message task still waiting")
            return outcomes
        if record.fields.get("day") == local_day(now, self.zone):
            if not scheduler.tomorrow(record, plan, due, now):
                outcomes.append(Outcome(plan, step.id, "skipped", "one per day"))
                scheduler.skip(record, plan, due)
            return outcomes
        if is_quiet(now, self.zone, scheduler.plans.quiet(scheduler.plans.plans[plan])):
            postpone(now, "quiet hours")
            return outcomes
        facts = await self.view.facts(record)
        if not condition_holds(step.when, facts, now):
            if not scheduler.tomorrow(record, plan, due, now):
                outcomes.append(Outcome(plan, step.id, "skipped", "conditions"))
                scheduler.skip(record, plan, due)
            return outcomes
        if step.when is not None and step.when.offer_allowed is not None:
            allowed, why = await self.view.may_offer(record, facts, now)
            if allowed != step.when.offer_allowed:
                if not scheduler.tomorrow(record, plan, due, now):
                    outcomes.append(Outcome(plan, step.id, "skipped", f"policy: {why}"))
                    scheduler.skip(record, plan, due)
                return outcomes
        job: dict[str, str | int] = {"plan": plan, "step": step.id, "e": self._event_id(record, due), "at": round(now)}
        record.fields["job"] = json.dumps(job, separators=(",", ":"))
        await self.records.write(record.customer, {"job": record.fields["job"]})
        delivered = await self._deliver(record, due, str(job["e"]), now, label=facts.name,
                                        staff=facts.staff(record))
        return outcomes + self._apply(record, scheduler, due, delivered, now)

    def _event_id(self, record: Record, due: Due) -> str:
        return f"fu:{record.customer}:{due.plan}:{due.step.id}:{due.state.anchor:.0f}:{due.state.sent}"

    async def _deliver(self, record: Record, due: Due, event_id: str, now: float, *, label: str = "",
                       staff: str = "") -> Delivered:
        step = due.step

        async def compose(conversation: str) -> Turn:
            data = {"plan": due.plan, "step": step.id, "say": step.say or "", "by": step.by or "",
                    "flow": step.flow or "", "why": step.why}
            inbound = Inbound(event_id=event_id, kind=InboundKind.FOLLOWUP, customer=record.customer, at=now,
                              data=data)
            return await self.conversation.respond(conversation, inbound)

        job = Job(record.customer, due.plan, step, event_id, record, compose, now, label or record.customer,
                  staff or record.fields.get("staff", ""))
        return await self.delivery.send(job)

    def _apply(self, record: Record, scheduler: Scheduler, due: Due, delivered: Delivered,
               now: float) -> list[Outcome]:
        plan, step = due.plan, due.step.id
        record.fields["job"] = ""
        if delivered.status == RETRY:
            if scheduler.retry_at(record, plan, due, delivered.retry_at or now + 60):
                return []
            scheduler.skip(record, plan, due)
            return [Outcome(plan, step, "undeliverable", delivered.detail or "no time left")]
        if delivered.status == EMPTY:
            scheduler.skip(record, plan, due)
            return [Outcome(plan, step, "skipped", delivered.detail or "nothing to say")]
        if delivered.status != SENT:
            scheduler.skip(record, plan, due)
            return [Outcome(plan, step, "undeliverable", delivered.detail)]
        record.fields["day"] = local_day(now, self.zone)
        scheduler.sent(record, plan, due, now)
        outcomes = [Outcome(plan, step, "sent", delivered.route)]
        if delivered.confirmed:
            outcomes.append(Outcome(plan, step, "confirmed", delivered.route))
        if delivered.template is not None:
            template = delivered.template
            template.next_check = template.created + TEMPLATE_CHECKS[0]
            record.fields["tpl"] = template.encode()
        return outcomes

    async def _finish_job(self, record: Record, scheduler: Scheduler, now: float) -> list[Outcome]:
        """A crash left a delivery half done: finish it with the same ids (the outbox sends nothing twice)."""
        job = record.job or {}
        record.fields["job"] = ""
        plan = scheduler.plans.plans.get(str(job.get("plan")))
        state = record.plan(str(job.get("plan")))
        if plan is None or state is None or state.step != job.get("step"):
            return []
        index = plan.index(state.step)
        if index is None:
            return []
        due = Due(str(job["plan"]), plan.steps[index], state)
        log.warning("finishing follow-up %s.%s left half delivered by a crash", due.plan, state.step)
        facts = await self.view.facts(record)
        delivered = await self._deliver(record, due, str(job["e"]), float(job.get("at", now)), label=facts.name,
                                        staff=facts.staff(record))
        return self._apply(record, scheduler, due, delivered, now)

    # -- a group-message task waiting for the staff member ---------------------------------------
    async def _settle_template(self, record: Record, now: float) -> list[Outcome]:
        template = record.template
        if template is None:
            return []
        stale = max((record.time(e) for e in (MESSAGE, *ALWAYS_STOP)), default=0.0) > template.created
        if stale:  # at once (the listener asks for a look): the staff member must not send something stale
            failed = await self.delivery.cancel(template)
            record.fields["tpl"] = ""
            return [Outcome(template.plan, template.step, "cancelled",
                            _joined("customer acted before staff sent it", failed))]
        if template.next_check > now:
            return []
        status = await self.delivery.template_status(template, record.customer)
        if status == CONFIRMED:
            record.fields["tpl"] = ""
            return [Outcome(template.plan, template.step, "confirmed", "template")]
        if status in (NOT_FRIEND, QUOTA):
            record.fields["tpl"] = ""
            return [Outcome(template.plan, template.step, "undeliverable", status)]
        assert status in (WAITING, UNKNOWN)
        # after a pause (a restart), the looks that were missed are not made up: one look, one reminder
        template.checks = sum(1 for after in TEMPLATE_CHECKS if template.created + after <= now)
        if template.checks >= len(TEMPLATE_CHECKS):
            failed = await self.delivery.cancel(template)
            record.fields["tpl"] = ""
            why = ("staff did not send it in 3 days" if status == WAITING
                   else "WeCom did not say in 3 days whether staff sent it")  # never claim what was not seen
            return [Outcome(template.plan, template.step, "cancelled", _joined(why, failed))]
        if status == UNKNOWN:  # the task stays; no reminder on a guess; looked at again soon
            template.next_check = min(now + TEMPLATE_RETRY_S, template.created + TEMPLATE_CHECKS[-1])
            record.fields["tpl"] = template.encode()
            return []
        recent = [at for at in template.reminds if now - at < 86400]
        if template.checks in TEMPLATE_REMIND and len(recent) < 3 and await self.delivery.remind(template):
            template.reminds = [*recent, now]
        template.next_check = template.created + TEMPLATE_CHECKS[template.checks]
        record.fields["tpl"] = template.encode()
        return []


def _joined(why: str, failed: str) -> str:
    return f"{why}; {failed}" if failed else why
