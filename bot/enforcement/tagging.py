"""Tagging a violating customer in WeCom (externalcontact/mark_tag with the 违规 tag of ladder.yaml).

The tag is created once (get_corp_tag_list, then add_corp_tag when missing) and its id kept in the
store. mark_tag works per (employee, customer) pair: the group owner is tried first, and on 84061 (they
are not contacts) the customer's own contacts from externalcontact/get; a customer nobody in the corp
has added cannot be tagged in WeCom and keeps the mark only in the bot's reputation record. A tag
deleted in the console (40068) is created again once.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.groups.answers import MalformedAnswer
from bot.groups.spec import TagSpec
from bot.groups.wecom import INVALID_TAG, NO_RELATION, GroupAPI
from bot.protocol.api import WeComError
from bot.store.base import Store
from bot.store.unreadable import keep

log = logging.getLogger(__name__)

TAG_KEY = "siyu:modtag"  # {"group", "name", "id"}
TAGGED_TTL_MS = 30 * 24 * 3600 * 1000


def done_key(customer: str) -> str:
    """Marks a customer tagged (the employee who tagged them), so a repeat costs no WeCom call."""
    return f"siyu:modtag:done:{customer}"


class Tagger:
    def __init__(self, api: GroupAPI, store: Store) -> None:
        self.api = api
        self.store = store

    async def ensure(self, spec: TagSpec) -> tuple[str, bool]:
        """The tag's id, creating the tag (and its group) when WeCom has none; True when created."""
        for group in _checked(await self.api.corp_tags()):
            if group.get("group_name") != spec.group or group.get("deleted"):
                continue
            for tag in group["tag"]:
                if tag.get("name") == spec.name and not tag.get("deleted"):
                    await self._remember(spec, str(tag["id"]))
                    return str(tag["id"]), False
            created = await self.api.add_corp_tag(spec.group, spec.name, str(group.get("group_id", "")))
            return await self._from_created(spec, created), True
        created = await self.api.add_corp_tag(spec.group, spec.name)
        return await self._from_created(spec, created), True

    async def _from_created(self, spec: TagSpec, group: dict[str, object]) -> str:
        tags = group.get("tag")
        for tag in tags if isinstance(tags, list) else []:
            if isinstance(tag, dict) and tag.get("name") == spec.name and tag.get("id"):
                await self._remember(spec, str(tag["id"]))
                return str(tag["id"])
        raise WeComError("externalcontact/add_corp_tag", -100, "the created tag is not in the answer")

    async def _remember(self, spec: TagSpec, tag_id: str) -> None:
        await self.store.set(TAG_KEY, json.dumps({"group": spec.group, "name": spec.name, "id": tag_id}))

    async def tag_id(self, spec: TagSpec) -> str:
        raw = await self.store.get(TAG_KEY)
        if raw:
            try:
                known = json.loads(raw)
            except ValueError:
                known = None
            if not isinstance(known, dict) or not known.get("id"):  # failing here failed every strike's tag
                await keep(self.store, TAG_KEY, "not the remembered tag", raw, "the tag is looked up again")
            elif known.get("group") == spec.group and known.get("name") == spec.name:
                return str(known["id"])
        return (await self.ensure(spec))[0]

    async def tag(self, customer: str, owner: str, spec: TagSpec) -> str:
        """Tag the customer; returns the outcome: tagged:<employee>, already, or no_relation."""
        if await self.store.get(done_key(customer)):
            return "already"
        tag_id = await self.tag_id(spec)
        tried: list[str] = []
        candidates = [owner] if owner else []
        for attempt in range(2):
            try:
                employee = await self._mark_any(customer, candidates, tag_id, tried)
            except WeComError as error:
                if error.errcode != INVALID_TAG or attempt:
                    raise
                await self.store.delete(TAG_KEY)  # deleted in the console: make it again
                tag_id = (await self.ensure(spec))[0]
                continue
            if employee is None:
                return "no_relation"
            await self.store.set(done_key(customer), employee, ttl_ms=TAGGED_TTL_MS)
            return f"tagged:{employee}"
        return "no_relation"

    async def _mark_any(self, customer: str, candidates: list[str], tag_id: str, tried: list[str]) -> str | None:
        looked_up = False
        queue = list(candidates)
        while True:
            while queue:
                employee = queue.pop(0)
                if employee in tried:
                    continue
                try:
                    await self.api.mark_tag(employee, customer, [tag_id])
                    return employee
                except WeComError as error:
                    if error.errcode != NO_RELATION:
                        raise
                    tried.append(employee)
            if looked_up:
                return None
            looked_up = True
            queue = [e for e in await self.api.contact_followers(customer) if e not in tried]


def _checked(groups: list[dict[str, object]]) -> list[dict[str, Any]]:
    """get_corp_tag_list's groups, each an object whose `tag` is a list of objects with an id: anything else is a
    MalformedAnswer (a WeComError: the strike's other actions go on, the tag is reported failed)."""
    checked: list[dict[str, Any]] = []
    for index, group in enumerate(groups):
        tags: Any = group.get("tag") if isinstance(group, dict) else None
        tags = [] if tags is None else tags
        if not isinstance(group, dict) or not isinstance(tags, list) or not all(
                isinstance(tag, dict) and tag.get("id") for tag in tags):
            raise MalformedAnswer("externalcontact/get_corp_tag_list", f"tag_group[{index}] is not a tag group")
        checked.append({**group, "tag": tags})
    return checked
