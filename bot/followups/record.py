"""One customer's follow-up record: a small hash in the store, kept compact (≤ 2 KiB per customer).

Two writers, never the same fields:
- listeners write what happened, without a lock: the last time of each event (`added`, `message`, …) and
  how to reach the customer (`kf` open_kfid, `staff` userid, `ch` channel, `conv`);
- the runner writes the plans' progress under the customer's follow-up lock: `p:<plan>`, `day` (local date
  of the last proactive message), `job` (a step being delivered), `tpl` (a group-message task waiting for
  the staff member), `q:<YYYYMM>` (group messages this month), `due` (the schedule entry).

Due times live in one sorted set, member `<customer>|<due>` (or `<customer>|p…` for a poke), so that a
schedule entry is only ever removed by whoever owns it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.store.base import Store
from bot.store.unreadable import warn

DUE_KEY = "siyu:fu:due"
RECORD_TTL_MS = 400 * 24 * 3600 * 1000


def record_key(customer: str) -> str:
    return f"siyu:fu:{customer}"


@dataclass
class PlanState:
    """Where one plan stands for one customer; encoded as a short string (one hash field)."""

    step: str = ""  # the pending step id; "" when the plan is over
    started: float = 0.0
    sent: int = 0  # how often the pending step went out already (repeats)
    anchor: float = 0.0  # the anchor `planned` was picked for
    planned: float = 0.0  # when the pending step goes out (0: not picked yet)
    last: float = 0.0  # when the pending step last went out
    tries: int = 0  # condition checks that failed for this occurrence

    def encode(self) -> str:
        return "|".join((self.step, f"{self.started:.0f}", str(self.sent), f"{self.anchor:.0f}",
                         f"{self.planned:.0f}", f"{self.last:.0f}", str(self.tries)))

    @classmethod
    def decode(cls, raw: str) -> PlanState:
        parts = raw.split("|")
        if len(parts) != 7:
            return cls()
        step, started, sent, anchor, planned, last, tries = parts
        return cls(step, float(started), int(sent), float(anchor), float(planned), float(last), int(tries))

    @property
    def over(self) -> bool:
        return self.started > 0 and not self.step


@dataclass
class Template:
    """A group-message task (add_msg_template) waiting for the staff member to confirm it."""

    msgid: str
    sender: str
    plan: str
    step: str
    created: float
    reminds: list[float] = field(default_factory=list)
    checks: int = 0
    next_check: float = 0.0

    def encode(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str) -> Template | None:
        if not raw:
            return None
        try:
            return cls(**json.loads(raw))
        except (ValueError, TypeError):
            return None


@dataclass
class Record:
    customer: str
    fields: dict[str, str]

    def time(self, event: str) -> float:
        raw = self.fields.get(event, "")
        try:
            return float(raw) if raw else 0.0
        except ValueError:
            return 0.0

    def plan(self, name: str) -> PlanState | None:
        raw = self.fields.get(f"p:{name}")
        if not raw:
            return None
        try:
            return PlanState.decode(raw)
        except ValueError:  # raising, it failed her follow-ups and the listener at each of her turns, for good
            warn(record_key(self.customer), f"plan {name}'s state {raw[:60]!r} is not a plan state",
                 "taken as over: nothing more of this plan is sent to her (a plan started again could repeat a step)")
            return PlanState(started=1.0)

    @property
    def plan_names(self) -> list[str]:
        return [name[2:] for name in self.fields if name.startswith("p:")]

    @property
    def template(self) -> Template | None:
        return Template.decode(self.fields.get("tpl", ""))

    @property
    def job(self) -> dict[str, Any] | None:
        raw = self.fields.get("job", "")
        return json.loads(raw) if raw else None


class Records:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def load(self, customer: str) -> Record:
        return Record(customer, await self.store.hgetall(record_key(customer)))

    async def write(self, customer: str, changes: dict[str, str]) -> None:
        if changes:
            await self.store.hset(record_key(customer), changes, ttl_ms=RECORD_TTL_MS)

    async def save(self, record: Record, changes: dict[str, str], due: float | None) -> None:
        """Write the changed fields and make `due` the customer's one schedule entry (None: nothing planned)."""
        old = record.fields.get("due", "")
        new = f"{record.customer}|{due:.0f}" if due is not None else ""
        if new:  # first, and also when unchanged: the pump may have taken the entry already
            await self.store.zadd(DUE_KEY, new, round(due or 0))
        if new != old:
            changes["due"] = record.fields["due"] = new
        await self.write(record.customer, changes)
        if old and new != old:
            await self.store.zrem(DUE_KEY, old)

    async def poke(self, customer: str, at: float) -> None:
        """Ask the runner to look at this customer at `at` (an event may have started or moved a plan)."""
        await self.store.zadd(DUE_KEY, f"{customer}|p{uuid.uuid4().hex[:8]}", at)


def customer_of(member: str) -> str:
    return member.rsplit("|", 1)[0]
