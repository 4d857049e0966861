"""The fake WeCom's customer-contact messaging: group-message tasks and app messages to staff.

- externalcontact/add_msg_template: a task for one staff member (sender) to send to customers. Each customer
  takes at most `group_limit` a month (WeCom: as many as the month has days, or the admin's 7 a week / 1 a
  day); a customer over it is in fail_list, and when no customer is left the call fails with 41048.
  40096 for a customer that is not a contact of the sender (once the fake knows any relation).
- get_groupmsg_send_result: status 0 not sent, 1 sent, 2 not a friend, 3 got another group message.
- remind_groupmsg_send: WeCom allows 3 reminders per task in 24 h; a 4th is refused here with 45009
  (WeCom does not document the code; the bot never sends a 4th).
- cancel_groupmsg_send: the staff member can no longer send the task.
(message/send, app messages to staff, is fake_wecom_groups.py's: WeCom drops messages to a member beyond
30 a minute or 1,000 an hour without an error, and so does the fake.)
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class GroupTask:
    msgid: str
    sender: str
    customers: list[str]
    body: dict[str, Any]
    status: dict[str, int]
    send_time: dict[str, int] = field(default_factory=dict)
    reminds: list[float] = field(default_factory=list)
    cancelled: bool = False


@dataclass
class GroupMessages:
    now: Callable[[], float] = time.time
    group_limit: int = 31
    group_received: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tasks: dict[str, GroupTask] = field(default_factory=dict)
    _task_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def confirm(self, msgid: str, status: int = 1) -> None:
        """The staff member sent the task (or WeCom failed it: 2 not a friend, 3 another group message)."""
        task = self.tasks[msgid]
        for customer in task.customers:
            task.status[customer] = status
            if status == 1:
                task.send_time[customer] = int(self.now())
                self.group_received[customer] += 1

    def _externalcontact_add_msg_template(self, body: dict[str, Any]) -> dict[str, Any]:
        sender = body.get("sender", "")
        customers = list(body.get("external_userid", []))
        if body.get("chat_type", "single") != "single" or not sender or not customers:
            return {"errcode": 40058, "errmsg": "invalid parameter"}
        if not body.get("text") and not body.get("attachments"):
            return {"errcode": 40063, "errmsg": "some parameters are empty"}
        relations: dict[str, dict[str, set[str]]] = getattr(self, "relations", {})  # customer → staff → tags
        if relations:
            strangers = [c for c in customers if sender not in relations.get(c, {})]
            if len(strangers) == len(customers):
                return {"errcode": 40096, "errmsg": "invalid external userid"}
        else:
            strangers = []
        over = [c for c in customers if self.group_received[c] >= self.group_limit]
        fail_list = sorted(set(strangers) | set(over))
        sendable = [c for c in customers if c not in fail_list]
        if not sendable:
            return {"errcode": 41048, "errmsg": "no sendable customer"}
        msgid = f"msgGC{next(self._task_ids):06d}"
        self.tasks[msgid] = GroupTask(msgid, sender, sendable, body, {c: 0 for c in sendable})
        return {"fail_list": fail_list, "msgid": msgid}

    def _externalcontact_get_groupmsg_send_result(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self.tasks.get(body.get("msgid", ""))
        if task is None or body.get("userid") != task.sender:
            return {"next_cursor": "", "send_list": []}
        send_list = [{"external_userid": c, "userid": task.sender, "status": task.status[c],
                      **({"send_time": task.send_time[c]} if c in task.send_time else {})} for c in task.customers]
        return {"next_cursor": "", "send_list": send_list}

    def _externalcontact_remind_groupmsg_send(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self.tasks.get(body.get("msgid", ""))
        if task is None:
            return {"errcode": 40058, "errmsg": "invalid msgid"}
        now = self.now()
        task.reminds = [at for at in task.reminds if now - at < 86400]
        if len(task.reminds) >= 3:
            return {"errcode": 45009, "errmsg": "reach max remind times in 24 hours"}
        task.reminds.append(now)
        return {}

    def _externalcontact_cancel_groupmsg_send(self, body: dict[str, Any]) -> dict[str, Any]:
        task = self.tasks.get(body.get("msgid", ""))
        if task is None:
            return {"errcode": 40058, "errmsg": "invalid msgid"}
        task.cancelled = True
        return {}
