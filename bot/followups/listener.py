"""Customer events → the follow-up record, without a lock: only what happened and how to reach the customer.

Plans are not recomputed here. A reply, an opt-out or a purchase is seen by the runner when the pending
step falls due (it re-anchors or cancels then); only an event that may start a plan or make a waiting step
schedulable — or that makes a group-message task waiting for staff stale — asks the runner to look now.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.events import ADDED, BOT_MESSAGE, CHURNED, FOLLOWUP, MESSAGE, CustomerEvent
from bot.followups.plans import FollowupFile
from bot.followups.record import Record, Records


class FollowupListener:
    def __init__(self, records: Records, plans: Callable[[], FollowupFile]) -> None:
        self.records = records
        self.plans = plans

    async def __call__(self, event: CustomerEvent) -> None:
        if event.name in (BOT_MESSAGE, FOLLOWUP) or not event.customer or event.conv.startswith("app:"):
            return
        record = await self.records.load(event.customer)
        changes: dict[str, str] = {}
        first = not record.time(event.name)
        if event.at > record.time(event.name):
            changes[event.name] = f"{event.at:.0f}"
        if event.channel and not record.fields.get("ch"):
            changes["ch"] = event.channel
        if event.conv and event.name == MESSAGE:
            changes["conv"] = event.conv
            if event.conv.startswith("kf:"):
                changes["kf"] = event.conv.split(":", 2)[1]
        if event.name == ADDED and event.staff:
            changes["staff"] = event.staff
        if event.name == CHURNED and event.staff and event.staff == record.fields.get("staff"):
            changes["staff"] = ""
        await self.records.write(event.customer, changes)
        if self._worth_a_look(record, event.name, first):
            await self.records.poke(event.customer, event.at)

    def _worth_a_look(self, record: Record, name: str, first: bool) -> bool:
        if record.fields.get("tpl"):
            return name != ADDED  # a reply or a stop makes the task waiting for staff stale
        for plan_name, plan in self.plans().plans.items():
            state = record.plan(plan_name)
            if state is None:
                if name in plan.start_on:
                    return True
                continue
            if state.over:
                continue
            if name in plan.stops:
                return True
            index = plan.index(state.step)
            if index is not None and plan.steps[index].after == name and (name != MESSAGE or first):
                return True
        return False
