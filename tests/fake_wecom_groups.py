"""The customer-group side of the fake WeCom server (mixed into FakeWeCom).

groupchat/list (cursor paging, owner filter ≤100, 81017 over 1,000 visible members), groupchat/get
(with member_version), get_follow_user_list, group_welcome_template/add|edit|get|del (≤100 per corp,
an app edits only its own), chatdata/keyword/get_hit_msg_list, and message/send with WeCom's 30/minute
and 1,000/hour per member (excess accepted and silently dropped). Customer tags and staff relations are
fake_tags.py's (one model for the groups' 违规 tag and the profile's tags).

Where WeCom documents no specific code (an unknown template id, the 100-template limit), the fake
answers with the generic 40058 "invalid parameter".
"""

from __future__ import annotations

import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

INVALID_PARAMETER = 40058
EMPTY_PARAMETER = 40063
CHAT_NOT_FOUND = 40050
TOO_MANY_MEMBERS = 81017
TEMPLATE_LIMIT = 100


class FakeError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode = errcode
        self.errmsg = errmsg


def _version(members: list[dict[str, Any]]) -> str:
    return hashlib.md5(",".join(sorted(m["userid"] for m in members)).encode()).hexdigest()


@dataclass
class FakeGroups:
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    visible_members: int = 10  # over 1,000: groupchat/list without owner_filter fails with 81017
    welcome_templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    foreign_templates: int = 0  # templates other apps made (they count towards the 100)
    hit_log: list[dict[str, Any]] = field(default_factory=list)
    hit_tokens: set[str] = field(default_factory=set)
    app_messages: list[dict[str, Any]] = field(default_factory=list)  # delivered
    dropped_messages: list[dict[str, Any]] = field(default_factory=list)  # over WeCom's limits
    clock: Any = time.time  # the fake's own notion of now, for the per-minute message limit
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- control -----------------------------------------------------------------------------------
    def add_group(self, chat_id: str, name: str, owner: str, members: list[str], *,
                  create_time: int = 1_700_000_000) -> dict[str, Any]:
        member_list = [self._member(uid, create_time) for uid in [owner, *members]]
        group = {"chat_id": chat_id, "name": name, "owner": owner, "create_time": create_time,
                 "notice": "", "member_list": member_list, "admin_list": [], "status": 0}
        group["member_version"] = _version(member_list)
        self.groups[chat_id] = group
        return group

    def change_members(self, chat_id: str, *, add: list[str] = (), remove: list[str] = (),  # type: ignore[assignment]
                       at: int = 1_700_000_100) -> tuple[str, str]:
        """Change a group's members the way WeCom does; returns (LastMemVer, CurMemVer)."""
        group = self.groups[chat_id]
        last = group["member_version"]
        group["member_list"] = [m for m in group["member_list"] if m["userid"] not in set(remove)]
        group["member_list"] += [self._member(uid, at, scene=3) for uid in add]
        group["member_version"] = _version(group["member_list"])
        return last, group["member_version"]

    def add_hit(self, msgid: str, chat_id: str, sender: str, rule_id: str, *, send_time: int = 1_700_000_000,
                sender_type: int = 2) -> None:
        self.hit_log.append({
            "msgid": msgid,
            "msg_detail": {"sender": {"type": sender_type, "id": sender}, "receiver_list": [],
                           "chatid": chat_id, "send_time": send_time, "msgtype": 1},
            "hit_rule_list": [{"rule_id": rule_id, "has_hit_keyword": True, "semantics_list": []}],
        })

    def issue_hit_token(self) -> str:
        token = f"HIT{next(self._ids)}"
        self.hit_tokens.add(token)
        return token

    def messages_to(self, userid: str) -> list[str]:
        return [m["text"]["content"] for m in self.app_messages if m["touser"] == userid]

    @staticmethod
    def _member(userid: str, at: int, scene: int = 1) -> dict[str, Any]:
        external = userid[:2] in ("wm", "wo")
        return {"userid": userid, "type": 2 if external else 1, "join_time": at, "join_scene": scene,
                "name": f"name-{userid}", "group_nickname": ""}

    # -- groups ------------------------------------------------------------------------------------
    def _externalcontact_groupchat_list(self, body: dict[str, Any]) -> dict[str, Any]:
        limit = int(body.get("limit") or 0)
        if not 1 <= limit <= 1000:
            raise FakeError(INVALID_PARAMETER, "limit must be 1-1000")
        owners = (body.get("owner_filter") or {}).get("userid_list")
        if owners is None and self.visible_members > 1000:
            raise FakeError(TOO_MANY_MEMBERS, "too many users in the visible range, use owner_filter")
        if owners is not None and len(owners) > 100:
            raise FakeError(INVALID_PARAMETER, "owner_filter.userid_list over 100")
        listed = [g for g in self.groups.values() if owners is None or g["owner"] in owners]
        start = int(body.get("cursor") or 0)
        page = listed[start:start + limit]
        end = start + len(page)
        return {"group_chat_list": [{"chat_id": g["chat_id"], "status": g["status"]} for g in page],
                "next_cursor": str(end) if end < len(listed) else ""}

    def _externalcontact_groupchat_get(self, body: dict[str, Any]) -> dict[str, Any]:
        group = self.groups.get(body.get("chat_id", ""))
        if group is None:
            raise FakeError(CHAT_NOT_FOUND, "invalid chat_id")
        shown = {k: v for k, v in group.items() if k != "status"}
        if not body.get("need_name"):
            shown["member_list"] = [{k: v for k, v in m.items() if k != "name"} for m in group["member_list"]]
        return {"group_chat": shown}

    def _externalcontact_get_follow_user_list(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"follow_user": sorted({g["owner"] for g in self.groups.values()})}

    # -- welcome templates -------------------------------------------------------------------------
    def _externalcontact_group_welcome_template_add(self, body: dict[str, Any]) -> dict[str, Any]:
        content = {k: v for k, v in body.items() if k not in ("agentid", "notify")}
        if not content:
            raise FakeError(EMPTY_PARAMETER, "some parameters are empty")
        self._check_template(content)
        if len(self.welcome_templates) + self.foreign_templates >= TEMPLATE_LIMIT:
            raise FakeError(INVALID_PARAMETER, "group welcome template count exceeds 100")
        template_id = f"tpl{next(self._ids)}"
        self.welcome_templates[template_id] = content
        return {"template_id": template_id}

    def _externalcontact_group_welcome_template_edit(self, body: dict[str, Any]) -> dict[str, Any]:
        template_id = body.get("template_id", "")
        if template_id not in self.welcome_templates:
            raise FakeError(INVALID_PARAMETER, "invalid template_id")
        content = {k: v for k, v in body.items() if k not in ("template_id", "agentid")}
        self._check_template(content)
        self.welcome_templates[template_id] = content
        return {}

    def _externalcontact_group_welcome_template_get(self, body: dict[str, Any]) -> dict[str, Any]:
        template = self.welcome_templates.get(body.get("template_id", ""))
        if template is None:
            raise FakeError(INVALID_PARAMETER, "invalid template_id")
        return dict(template)

    def _externalcontact_group_welcome_template_del(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.welcome_templates.pop(body.get("template_id", ""), None) is None:
            raise FakeError(INVALID_PARAMETER, "invalid template_id")
        return {}

    @staticmethod
    def _check_template(content: dict[str, Any]) -> None:
        text = (content.get("text") or {}).get("content", "")
        if len(text.encode()) > 3000:
            raise FakeError(INVALID_PARAMETER, "text.content over 3000 bytes")

    # -- 数据与智能专区 keyword hits --------------------------------------------------------------------
    def _chatdata_keyword_get_hit_msg_list(self, body: dict[str, Any]) -> dict[str, Any]:
        token = body.get("token", "")
        if token and token not in self.hit_tokens:
            raise FakeError(INVALID_PARAMETER, "invalid token")
        limit = min(int(body.get("limit") or 200), 1000)
        start = int(body.get("cursor") or 0)
        page = self.hit_log[start:start + limit]
        end = start + len(page)
        return {"has_more": int(end < len(self.hit_log)), "next_cursor": str(end), "msg_list": page}

    # -- app messages to members -------------------------------------------------------------------
    def _message_send(self, body: dict[str, Any]) -> dict[str, Any]:
        now = self.clock()
        touser = body.get("touser", "")
        recent = [m for m in self.app_messages if m["touser"] == touser]
        in_minute = sum(1 for m in recent if now - m["at"] < 60)
        in_hour = sum(1 for m in recent if now - m["at"] < 3600)
        record = {**body, "at": now}
        if in_minute >= 30 or in_hour >= 1000:
            self.dropped_messages.append(record)  # WeCom answers ok and never delivers
        else:
            self.app_messages.append(record)
        return {"invaliduser": "", "msgid": f"app{next(self._ids)}"}
