"""Where each plan of one customer stands, and when its next step is due. No I/O: it works on a Record.

A plan starts at its first `start_on` event and walks its steps in order. A step's window counts from its
`after` event; with `reanchor` (the default) from the customer's last message when that is later, so a
reply moves the pending step. Inside the window a stable random moment outside quiet hours is picked
(jitter). A window that has passed is skipped; a step that no longer exists in the content drops the plan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from bot.events import MESSAGE
from bot.followups.plans import START, FollowupFile, Plan, Step
from bot.followups.record import PlanState, Record
from bot.followups.windows import fraction_of, next_local_midnight, pick

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    plan: str
    step: str
    outcome: str  # due | sent | confirmed | cancelled | undeliverable | skipped | dropped
    detail: str = ""


@dataclass
class Due:
    plan: str
    step: Step
    state: PlanState


@dataclass
class Pass:
    """What one look at a record found."""

    due: list[Due] = field(default_factory=list)  # steps due now, in plan order
    next_due: float | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)  # record fields written


class Scheduler:
    def __init__(self, plans: FollowupFile, zone: ZoneInfo) -> None:
        self.plans = plans
        self.zone = zone

    # -- one look at a customer ------------------------------------------------------------------
    def look(self, record: Record, now: float) -> Pass:
        result = Pass()
        for name, plan in self.plans.plans.items():
            self._look_at_plan(record, name, plan, now, result)
        for name in record.plan_names:
            if name not in self.plans.plans:
                state = record.plan(name)
                if state is not None and not state.over:
                    log.warning("follow-up plan %s was removed from the content: dropped for a customer", name)
                    result.outcomes.append(Outcome(name, state.step, "dropped", "plan removed"))
                    self._save(record, name, PlanState(started=state.started), result)
        return result

    def _look_at_plan(self, record: Record, name: str, plan: Plan, now: float, result: Pass) -> None:
        state = record.plan(name)
        if state is None:
            starts = [record.time(event) for event in plan.start_on if record.time(event)]
            if not starts:
                return
            state = PlanState(step=plan.steps[0].id, started=min(starts))
            self._save(record, name, state, result)
        if state.over:
            return
        stop = max(((record.time(event), event) for event in plan.stops), default=(0.0, ""))
        if stop[0] and stop[0] >= state.started:
            result.outcomes.append(Outcome(name, state.step, "cancelled", stop[1]))
            self._save(record, name, PlanState(started=state.started), result)
            return
        for _ in range(len(plan.steps) + 1):
            index = plan.index(state.step)
            if index is None:
                log.warning("follow-up step %s.%s was removed from the content: the plan is dropped for a "
                            "customer", name, state.step)
                result.outcomes.append(Outcome(name, state.step, "dropped", "step removed"))
                self._save(record, name, PlanState(started=state.started), result)
                return
            step = plan.steps[index]
            window = self.window(record, plan, step, state)
            if window is None:
                return  # waiting for the step's `after` event
            low, high, anchor = window
            if anchor != state.anchor or not state.planned:
                if state.planned and state.anchor and anchor > state.anchor and state.planned > anchor:
                    result.outcomes.append(Outcome(name, step.id, "cancelled", "reply"))
                planned = self.pick(record, name, plan, step, state, max(low, min(now, high)), high, anchor)
                state.anchor, state.tries = anchor, 0
                if planned is None:
                    result.outcomes.append(Outcome(name, step.id, "skipped", "window passed"))
                    state = self.next_step(plan, index, state)
                    self._save(record, name, state, result)
                    continue
                state.planned = planned
                self._save(record, name, state, result)
            if state.planned <= now:
                result.due.append(Due(name, step, state))
            else:
                result.next_due = min(result.next_due or state.planned, state.planned)
            return

    # -- windows ---------------------------------------------------------------------------------
    def window(self, record: Record, plan: Plan, step: Step, state: PlanState) -> tuple[float, float, float] | None:
        """(low, high, anchor) of the step's current occurrence; None while its event has not happened."""
        base = state.started if step.after == START else record.time(step.after)
        if not base:
            return None
        low, high = step.span
        if state.sent:  # a repeat: counts from the last time it went out
            base = max(base, state.last)
            low, high = step.every, step.every + (high - low)
        if plan.reanchor:
            base = max(base, record.time(MESSAGE))
        return base + low, base + high, base

    def pick(self, record: Record, name: str, plan: Plan, step: Step, state: PlanState, low: float,
             high: float, anchor: float) -> float | None:
        fraction = fraction_of(record.customer, name, step.id, f"{anchor:.0f}", state.sent, state.tries)
        return pick(low, high, self.zone, self.plans.quiet(plan), fraction)

    # -- moves the runner makes ------------------------------------------------------------------
    def next_step(self, plan: Plan, index: int, state: PlanState) -> PlanState:
        following = plan.steps[index + 1].id if index + 1 < len(plan.steps) else ""
        return PlanState(step=following, started=state.started)

    def sent(self, record: Record, name: str, due: Due, now: float) -> None:
        plan = self.plans.plans[name]
        state = due.state
        if state.sent + 1 < due.step.times:
            state = PlanState(step=state.step, started=state.started, sent=state.sent + 1, last=now)
        else:
            state = self.next_step(plan, plan.index(due.step.id) or 0, state)
        self._save(record, name, state, None)

    def skip(self, record: Record, name: str, due: Due) -> None:
        """The occurrence is over without a message; repeats keep their rhythm from the planned time."""
        plan = self.plans.plans[name]
        state = due.state
        if state.sent + 1 < due.step.times:
            state = PlanState(step=state.step, started=state.started, sent=state.sent + 1, last=state.planned)
        else:
            state = self.next_step(plan, plan.index(due.step.id) or 0, state)
        self._save(record, name, state, None)

    def later(self, record: Record, name: str, due: Due, not_before: float) -> bool:
        """Move the occurrence to a new moment at or after `not_before`, inside its window; False if none."""
        plan = self.plans.plans[name]
        window = self.window(record, plan, due.step, due.state)
        if window is None:
            return False
        low, high, anchor = window
        state = due.state
        state.tries += 1
        planned = self.pick(record, name, plan, due.step, state, max(low, not_before), high, anchor)
        if planned is None:
            return False
        state.planned = planned
        self._save(record, name, state, None)
        return True

    def retry_at(self, record: Record, name: str, due: Due, moment: float) -> bool:
        """Try the same occurrence again at `moment` (a rate limit said when); False past the window."""
        window = self.window(record, self.plans.plans[name], due.step, due.state)
        if window is None or moment > window[1]:
            return False
        due.state.tries += 1
        due.state.planned = moment
        self._save(record, name, due.state, None)
        return True

    def tomorrow(self, record: Record, name: str, due: Due, now: float) -> bool:
        return self.later(record, name, due, next_local_midnight(now, self.zone))

    @staticmethod
    def _save(record: Record, name: str, state: PlanState, result: Pass | None) -> None:
        record.fields[f"p:{name}"] = state.encode()
        if result is not None:
            result.changed.add(f"p:{name}")
