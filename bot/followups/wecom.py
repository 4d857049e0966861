"""Delivering a due follow-up within WeCom's rules; the route is chosen when the step is due.

1. kf/send_msg, when the customer wrote in kf within 48 h, the 5-message budget has room and no human has
   the session (KfChannel keeps those rules);
2. otherwise, for a contact with a staff relation, a group-message task to that one customer with the staff
   member as sender (externalcontact/add_msg_template): the staff member confirms it in WeCom. At most
   `monthly_group_messages` a month per customer (default: as many as the month has days); a customer WeCom
   refuses (fail_list, 41048) falls through to 3;
3. otherwise a task to the staff member as an app message (message/send: what to send, to whom, why),
   within 30 a minute and 1,000 an hour per member;
4. otherwise not deliverable, with the reason.
Every message goes through the gateway's patient Sender (WeCom busy, rate limits and outages are waited
out for FOLLOWUP_PATIENCE_S, then the message is recorded as expired in the dead letters; a refusal for good
is dead-lettered with its payload) and is recorded in the outbox before and after the call: a retried
delivery never creates a second task nor sends a second message.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from bot.conversation import Turn
from bot.followups.delivery import (
    CONFIRMED,
    EMPTY,
    NOT_FRIEND,
    QUOTA,
    RETRY,
    SENT,
    UNDELIVERABLE,
    UNKNOWN,
    WAITING,
    Delivered,
    Job,
)
from bot.followups.plans import FollowupFile
from bot.followups.ratelimit import MemberRateLimit
from bot.followups.record import Template
from bot.followups.windows import local_month
from bot.gateway.kf import KfChannel, conversation_key, fit_text, to_kf_payload
from bot.gateway.outbox import DEAD, DROPPED, EXPIRED, SENDING, Outbox
from bot.gateway.outbox import SENT as OUTBOX_SENT
from bot.gateway.sender import SENT as SENT_OUTCOME
from bot.gateway.sender import Result, Send, Sender
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI, WeComError
from bot.store.base import Store

log = logging.getLogger(__name__)

NO_SENDABLE_CUSTOMER = 41048  # add_msg_template: every customer is over their limit
NOT_A_CONTACT = frozenset({84061, 40096})  # no relation / invalid external_userid
TEMPLATE_TEXT_BYTES = 4000
FOLLOWUP_PATIENCE_S = 3600.0  # a proactive message WeCom does not take within this is given up (expired)
TPL, TASK = "tpl", "task"  # the outbox entries of a group-message task and of a task to the staff member
GIVEN_UP = frozenset({EXPIRED, DEAD})
_SEND_STATUS = {0: WAITING, 1: CONFIRMED, 2: NOT_FRIEND, 3: QUOTA}


class WeComDelivery:
    def __init__(self, store: Store, api: WeComAPI, kf: KfChannel, sender: Sender, metrics: Metrics, *,
                 agent_id: int | None, plans: Callable[[], FollowupFile], timezone: str = "Asia/Shanghai") -> None:
        self.store = store
        self.api = api
        self.kf = kf
        self.sender = sender
        self.metrics = metrics
        self.agent_id = agent_id
        self.plans = plans
        self.zone = ZoneInfo(timezone)
        self.outbox = Outbox(store)
        self.rate = MemberRateLimit(store)

    async def send(self, job: Job) -> Delivered:
        why_not: list[str] = []
        delivered = await self._kf(job, why_not)
        if delivered is None:
            delivered = await self._template(job, why_not)
        if delivered is None:
            delivered = await self._task(job, why_not)
        if delivered is None:
            delivered = Delivered(UNDELIVERABLE, "", "; ".join(why_not) or "no way to reach the customer")
        self.metrics.outbound.labels(f"followup_{delivered.route or 'none'}", delivered.status).inc()
        return delivered

    # -- 1. 微信客服 ------------------------------------------------------------------------------
    async def _kf(self, job: Job, why_not: list[str]) -> Delivered | None:
        open_kfid = job.record.fields.get("kf", "")
        if not open_kfid:
            why_not.append("never wrote in kf")
            return None
        if await self.kf.slots_left(open_kfid, job.customer) <= 0:
            why_not.append("kf: outside 48 h or 5 messages used")
            return None
        if await self.kf.human_has_session(open_kfid, job.customer):
            why_not.append("kf: a human has the session")
            return None
        turn = await job.compose(conversation_key(open_kfid, job.customer))
        if not turn.messages:
            return Delivered(EMPTY, "kf", "nothing to say")
        if await self.kf.deliver(job.event_id, open_kfid, job.customer, turn) == 0:
            why_not.append("kf: refused when sending")
            return None
        return Delivered(SENT, "kf", confirmed=True, turn=turn)

    # -- 2. a group-message task the staff member confirms ---------------------------------------
    async def _template(self, job: Job, why_not: list[str]) -> Delivered | None:
        staff = job.staff
        if not staff:
            why_not.append("no staff relation")
            return None
        month, days = local_month(job.now, self.zone)
        limit = self.plans().monthly_group_messages or days
        used = int(job.record.fields.get(f"q:{month}") or 0)
        statuses = await self.outbox.statuses(job.event_id)
        status = statuses.get(TPL)
        if status == OUTBOX_SENT:  # created before a crash: the same task, not a second one
            return self._waiting(job, staff, statuses.get("tpl_msgid", ""))
        if status == SENDING:  # add_msg_template takes no id of ours: a task may exist, never make another
            return Delivered(UNDELIVERABLE, "template", "unknown: interrupted while creating the task")
        if status in GIVEN_UP:
            return Delivered(UNDELIVERABLE, "template", f"WeCom did not take the task ({status}; siyu deadletters)")
        if status == DROPPED:
            why_not.append("group messages: WeCom refused the customer")
            return None
        if used >= limit:
            why_not.append(f"group messages: {used} of {limit} this month used")
            return None
        turn = await job.compose(f"ext:{staff}:{job.customer}")
        if not turn.messages:
            return Delivered(EMPTY, "template", "nothing to say")
        send = Send("followup_template", "externalcontact/add_msg_template", _template_payload(job, staff, turn),
                    job.customer, job.event_id)
        result = await self.outbox.send_once(self.sender, TPL, send, self._patience(job), status=status,
                                             expected=frozenset({NO_SENDABLE_CUSTOMER, *NOT_A_CONTACT}),
                                             refused=DROPPED, keep=_task_id)
        if result.errcode == NO_SENDABLE_CUSTOMER:
            why_not.append("group messages: WeCom says the customer's limit is reached")
            return None
        if result.errcode in NOT_A_CONTACT:
            return Delivered(UNDELIVERABLE, "template", f"not a contact ({result.errcode})")
        if result.outcome != SENT_OUTCOME:
            return Delivered(UNDELIVERABLE, "template", f"WeCom did not take the task ({result.outcome})")
        if job.customer in (result.body or {}).get("fail_list", []):
            await self.outbox.settle(job.event_id, TPL, DROPPED)
            why_not.append("group messages: WeCom refused the customer")
            return None
        job.record.fields[f"q:{month}"] = str(used + 1)
        return self._waiting(job, staff, _task_id(result)["tpl_msgid"])

    @staticmethod
    def _patience(job: Job) -> Callable[[], Awaitable[float]]:
        async def deadline() -> float:
            return job.now + FOLLOWUP_PATIENCE_S

        return deadline

    def _waiting(self, job: Job, staff: str, msgid: str) -> Delivered:
        template = Template(msgid=msgid, sender=staff, plan=job.plan, step=job.step.id, created=job.now)
        return Delivered(SENT, "template", f"task {msgid} for {staff}", template=template)

    async def template_status(self, template: Template, customer: str) -> str:
        cursor = ""
        for _ in range(20):
            payload: dict[str, Any] = {"msgid": template.msgid, "userid": template.sender, "limit": 1000}
            if cursor:
                payload["cursor"] = cursor
            try:
                body = await self.api.call("externalcontact/get_groupmsg_send_result", payload)
            except WeComError as error:  # busy past the client's retries, or refused: the task is kept
                log.warning("looking at a group-message task's result failed: errcode %s", error.errcode)
                return UNKNOWN
            for item in body.get("send_list", []):
                if item.get("external_userid") == customer:
                    return _SEND_STATUS.get(int(item.get("status", 0)), WAITING)
            cursor = str(body.get("next_cursor") or "")
            if not cursor:
                break
        return WAITING

    async def remind(self, template: Template) -> bool:
        try:
            await self.api.call("externalcontact/remind_groupmsg_send", {"msgid": template.msgid})
        except WeComError as error:
            log.warning("reminding the staff member of a group-message task failed: errcode %s", error.errcode)
            return False
        return True

    async def cancel(self, template: Template) -> str:
        """Stop the task; "" when WeCom stopped it, else why not (the staff member may still send it)."""
        try:
            await self.api.call("externalcontact/cancel_groupmsg_send", {"msgid": template.msgid})
        except WeComError as error:
            log.warning("stopping a stale group-message task failed: errcode %s", error.errcode)
            return f"stopping the task failed (errcode {error.errcode}): staff may still send it"
        return ""

    # -- 3. a task for the staff member ----------------------------------------------------------
    async def _task(self, job: Job, why_not: list[str]) -> Delivered | None:
        staff = job.staff
        if not staff:
            return None
        if self.agent_id is None:
            why_not.append("no WECOM_AGENT_ID to message staff")
            return None
        statuses = await self.outbox.statuses(job.event_id)
        if statuses.get(TASK) in (SENDING, OUTBOX_SENT):  # never twice, even after a crash mid-call
            return Delivered(SENT, "task", f"task for {staff}")
        if statuses.get(TASK) in GIVEN_UP:
            return Delivered(UNDELIVERABLE, "task", f"WeCom did not take the task ({statuses[TASK]})")
        wait_until = await self.rate.take(staff, job.now)
        if wait_until:
            return Delivered(RETRY, "task", "30/min or 1,000/h to this staff member", retry_at=wait_until)
        turn = await job.compose(f"ext:{staff}:{job.customer}")
        if not turn.messages:
            return Delivered(EMPTY, "task", "nothing to say")
        text = self.plans().staff_task.format(customer=job.label, message=_as_text(turn), reason=job.step.why or
                                              job.step.id, plan=job.plan, step=job.step.id)
        payload = {"touser": staff, "msgtype": "text", "agentid": self.agent_id, "text": {"content": fit_text(text)}}
        send = Send("followup_task", "message/send", payload, job.customer, job.event_id)
        result = await self.outbox.send_once(self.sender, TASK, send, self._patience(job), status=None)
        if result.outcome != SENT_OUTCOME:
            return Delivered(UNDELIVERABLE, "task", f"WeCom did not take the task ({result.outcome})")
        return Delivered(SENT, "task", f"task for {staff}", turn=turn)


def _task_id(result: Result) -> dict[str, str]:
    return {"tpl_msgid": str((result.body or {}).get("msgid", ""))}


def _template_payload(job: Job, staff: str, turn: Turn) -> dict[str, Any]:
    text = "\n".join(m.text for m in turn.messages if m.text and m.attachment is None)
    payload: dict[str, Any] = {"chat_type": "single", "external_userid": [job.customer], "sender": staff,
                               "allow_select": False}
    if text:
        payload["text"] = {"content": fit_text(text, TEMPLATE_TEXT_BYTES)}
    attachments = [to_kf_payload(m) for m in turn.messages if m.attachment is not None][:9]
    if attachments:
        payload["attachments"] = attachments
    return payload


def _as_text(turn: Turn) -> str:
    parts = []
    for message in turn.messages:
        if message.attachment is not None:
            parts.append(f"[链接] {message.attachment.get('title', '')} {message.attachment.get('url', '')}")
        elif message.text:
            parts.append(message.text)
    return "\n".join(parts)
