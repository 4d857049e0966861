"""The WeCom endpoints for customer groups, tags and keyword hits, on top of WeComAPI.call.

Kept apart from bot/protocol/api.py so that this capability adds no weight to the shared client;
errors are WeComError with WeCom's errcode (transient ones are already retried a few times by the
client). Owner notices are messages and go through the patient Sender instead (enforcement/notices.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

from bot.groups.answers import checked_group, checked_page
from bot.protocol.api import WeComError

Json = dict[str, Any]

TOO_MANY_MEMBERS = 81017  # groupchat/list without owner_filter over a visible range above 1,000 members
NO_RELATION = 84061  # mark_tag: the employee and the customer are not contacts
INVALID_TAG = 40068


class Caller(Protocol):
    async def call(self, endpoint: str, payload: Json | None = None, *,
                   query: dict[str, str] | None = None) -> Json: ...


class GroupAPI:
    def __init__(self, api: Caller) -> None:
        self.api = api

    # -- customer groups ---------------------------------------------------------------------------
    async def groupchat_get(self, chat_id: str) -> Json:
        """The group, checked and normalised (answers.py): MalformedAnswer when the registry cannot use it."""
        body = await self.api.call("externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1})
        return checked_group(chat_id, body)

    async def groupchat_pages(self, owners: list[str] | None, limit: int = 1000) -> AsyncIterator[list[Json]]:
        """Every page of groupchat/list (status_filter 0: all groups), following next_cursor."""
        cursor = ""
        while True:
            payload: Json = {"status_filter": 0, "limit": limit}
            if owners:
                payload["owner_filter"] = {"userid_list": owners}
            if cursor:
                payload["cursor"] = cursor
            body = await self.api.call("externalcontact/groupchat/list", payload)
            yield checked_page(body)
            cursor = str(body.get("next_cursor") or "")
            if not cursor:
                return

    async def follow_users(self) -> list[str]:
        """Employees with the customer-contact feature: the owners to filter by after 81017."""
        body = await self.api.call("externalcontact/get_follow_user_list", {})
        return [str(u) for u in body.get("follow_user") or []]

    # -- group welcome templates ---------------------------------------------------------------------
    async def welcome_add(self, template: Json) -> str:
        body = await self.api.call("externalcontact/group_welcome_template/add", {**template, "notify": 1})
        return str(body["template_id"])

    async def welcome_edit(self, template_id: str, template: Json) -> None:
        await self.api.call("externalcontact/group_welcome_template/edit", {"template_id": template_id, **template})

    async def welcome_get(self, template_id: str) -> Json:
        return await self.api.call("externalcontact/group_welcome_template/get", {"template_id": template_id})

    async def welcome_del(self, template_id: str) -> None:
        await self.api.call("externalcontact/group_welcome_template/del", {"template_id": template_id})

    # -- customer tags ---------------------------------------------------------------------------------
    async def corp_tags(self) -> list[Json]:
        body = await self.api.call("externalcontact/get_corp_tag_list", {})
        return list(body.get("tag_group") or [])

    async def add_corp_tag(self, group_name: str, tag_name: str, group_id: str = "") -> Json:
        payload: Json = {"tag": [{"name": tag_name}]}
        if group_id:
            payload["group_id"] = group_id
        else:
            payload["group_name"] = group_name
        body = await self.api.call("externalcontact/add_corp_tag", payload)
        group: Json = body.get("tag_group") or {}
        return group

    async def mark_tag(self, userid: str, external_userid: str, add: list[str]) -> None:
        await self.api.call("externalcontact/mark_tag",
                            {"userid": userid, "external_userid": external_userid, "add_tag": add})

    async def contact_followers(self, external_userid: str) -> list[str]:
        """The employees who have this customer as a contact (externalcontact/get follow_user); none when
        WeCom answers 84061 (nobody in the corp has the customer as a contact)."""
        try:
            body = await self.api.call("externalcontact/get", query={"external_userid": external_userid})
        except WeComError as error:
            if error.errcode == NO_RELATION:
                return []
            raise
        return [str(f.get("userid", "")) for f in body.get("follow_user") or [] if f.get("userid")]

    # -- 数据与智能专区 keyword hits ----------------------------------------------------------------------
    async def hit_messages(self, token: str, cursor: str, limit: int = 1000) -> Json:
        payload: Json = {"need_detail": 1, "limit": limit}
        if token:
            payload["token"] = token
        if cursor:
            payload["cursor"] = cursor
        return await self.api.call("chatdata/keyword/get_hit_msg_list", payload)
