"""How a due step reaches the customer: the interface the runner talks to.

`bot/followups/wecom.py` implements it within WeCom's rules (kf, a group-message task, a task to the staff
member, or not deliverable); the simulator behind `siyu chat` / `siyu test` delivers straight to the screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from bot.conversation import Turn
from bot.followups.plans import Step
from bot.followups.record import Record, Template

SENT, UNDELIVERABLE, RETRY, EMPTY = "sent", "undeliverable", "retry", "empty"
# What a group-message task turned into (get_groupmsg_send_result status).
WAITING, CONFIRMED, NOT_FRIEND, QUOTA = "waiting", "confirmed", "not_friend", "quota"
UNKNOWN = "unknown"  # a task's result WeCom did not tell (an error): looked at again soon

Compose = Callable[[str], Awaitable[Turn]]  # conversation key → the step's messages, in the persona's voice


@dataclass(frozen=True)
class Job:
    customer: str
    plan: str
    step: Step
    event_id: str  # stable for this occurrence: the engine turn and every message id derive from it
    record: Record  # the delivery may note counters in record.fields (q:<month>); the runner saves them
    compose: Compose
    now: float
    label: str = ""  # how staff know the customer (their name, else the external_userid)
    staff: str = ""  # the staff member who owns the customer (profile relation), "" when none


@dataclass(frozen=True)
class Delivered:
    status: str  # sent | undeliverable | retry | empty
    route: str = ""  # kf | template | task | direct
    detail: str = ""  # why not, or what was sent
    confirmed: bool = False  # WeCom accepted it as delivered to the customer (kf, direct)
    template: Template | None = None  # a group-message task waiting for the staff member
    retry_at: float = 0.0
    turn: Turn | None = None


class Delivery(Protocol):
    async def send(self, job: Job) -> Delivered: ...

    async def template_status(self, template: Template, customer: str) -> str: ...

    async def remind(self, template: Template) -> bool: ...

    async def cancel(self, template: Template) -> str: ...  # "" when stopped, else why not
