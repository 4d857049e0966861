"""Group welcome templates: content → WeCom's group_welcome_template library, idempotently.

Each group type's welcome becomes one template whose id is kept in the store (`siyu:welcome_templates`,
type id → {id, digest}). A run creates what is missing, edits what changed (the id stays, so the groups
it is attached to keep it), leaves the rest alone, and re-creates a template that was deleted in the
console. WeCom holds at most 100 templates per corp and lists none of them, so the bot counts its own
and refuses to go past the limit. No API attaches a template to a group: the report tells the operator
which owner must attach which template to which groups.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from bot.groups.content import GroupContent
from bot.groups.registry import LIVE, Registry
from bot.groups.wecom import GroupAPI
from bot.protocol.api import RETRY_LATER, TOKEN_INVALID, TRANSPORT_ERRCODE, WeComError
from bot.store.base import Store

TEMPLATES_KEY = "siyu:welcome_templates"
TEMPLATE_LIMIT = 100


@dataclass(frozen=True)
class TemplateChange:
    type_id: str
    type_name: str
    action: str  # created, edited, restored, recreated, unchanged, deleted, unused, failed
    template_id: str = ""
    detail: str = ""


@dataclass
class Attachment:
    owner: str
    type_id: str
    type_name: str
    template_id: str
    new: bool
    groups: list[str] = field(default_factory=list)


@dataclass
class WelcomeReport:
    changes: list[TemplateChange] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.action not in ("unchanged", "unused") for c in self.changes)

    def by_action(self, action: str) -> list[TemplateChange]:
        return [c for c in self.changes if c.action == action]


def digest_of(payload: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


def _gone(error: WeComError) -> bool:
    """An error that says the template is not there (or not ours): anything WeCom would not retry."""
    return error.errcode not in RETRY_LATER and error.errcode not in TOKEN_INVALID and (
        error.errcode != TRANSPORT_ERRCODE)


class WelcomeSync:
    def __init__(self, api: GroupAPI, store: Store, registry: Registry) -> None:
        self.api = api
        self.store = store
        self.registry = registry

    async def stored(self) -> dict[str, dict[str, str]]:
        return {k: json.loads(v) for k, v in (await self.store.hgetall(TEMPLATES_KEY)).items()}

    async def sync(self, content: GroupContent, *, prune: bool = False) -> WelcomeReport:
        report = WelcomeReport()
        stored = await self.stored()
        wanted = {t: s for t, s in content.types.types.items() if s.welcome is not None}
        count = len(stored)
        for type_id, spec in wanted.items():
            assert spec.welcome is not None
            payload = spec.welcome.payload(content.welcome_texts.get(type_id, ""))
            known = stored.get(type_id)
            try:
                change = await self._one(type_id, spec.name, payload, known, count)
            except WeComError as error:
                change = TemplateChange(type_id, spec.name, "failed", (known or {}).get("id", ""),
                                        f"errcode {error.errcode}: {error.errmsg}")
            if change.action == "created":
                count += 1
            report.changes.append(change)
        for type_id, known in stored.items():
            if type_id in wanted:
                continue
            name = content.types.types[type_id].name if type_id in content.types.types else type_id
            if not prune:
                report.changes.append(TemplateChange(type_id, name, "unused", known["id"],
                                                     "内容里已没有这个类型的欢迎语；加 --prune 删除"))
                continue
            try:
                await self.api.welcome_del(known["id"])
            except WeComError as error:
                if not _gone(error):
                    report.changes.append(TemplateChange(type_id, name, "failed", known["id"], str(error)))
                    continue
            await self._forget(type_id)
            report.changes.append(TemplateChange(type_id, name, "deleted", known["id"]))
        report.attachments = await self._attachments(content, report)
        return report

    async def _one(self, type_id: str, name: str, payload: dict[str, Any], known: dict[str, str] | None,
                   count: int) -> TemplateChange:
        digest = digest_of(payload)
        if known:
            template_id = known["id"]
            if known.get("digest") == digest:
                try:
                    current = await self.api.welcome_get(template_id)
                except WeComError as error:
                    if not _gone(error):
                        raise
                    return await self._create(type_id, name, payload, digest, "recreated", count - 1)
                if _same(current, payload):
                    return TemplateChange(type_id, name, "unchanged", template_id)
                action = "restored"  # someone changed it outside the bot: content wins
            else:
                action = "edited"
            try:
                await self.api.welcome_edit(template_id, payload)
            except WeComError as error:
                if not _gone(error):
                    raise
                return await self._create(type_id, name, payload, digest, "recreated", count - 1)
            await self._remember(type_id, template_id, digest)
            return TemplateChange(type_id, name, action, template_id)
        return await self._create(type_id, name, payload, digest, "created", count)

    async def _create(self, type_id: str, name: str, payload: dict[str, Any], digest: str, action: str,
                      count: int) -> TemplateChange:
        if count >= TEMPLATE_LIMIT:
            return TemplateChange(type_id, name, "failed", "",
                                  f"已有 {count} 个入群欢迎语素材，企业微信最多 {TEMPLATE_LIMIT} 个")
        template_id = await self.api.welcome_add(payload)
        await self._remember(type_id, template_id, digest)
        return TemplateChange(type_id, name, action, template_id)

    async def _remember(self, type_id: str, template_id: str, digest: str) -> None:
        await self.store.hset(TEMPLATES_KEY, {type_id: json.dumps({"id": template_id, "digest": digest})})

    async def _forget(self, type_id: str) -> None:
        remaining = {k: json.dumps(v) for k, v in (await self.stored()).items() if k != type_id}
        await self.store.delete(TEMPLATES_KEY)
        if remaining:
            await self.store.hset(TEMPLATES_KEY, remaining)

    async def _attachments(self, content: GroupContent, report: WelcomeReport) -> list[Attachment]:
        templates = {c.type_id: c for c in report.changes if c.template_id and c.action not in ("deleted", "unused")}
        fresh = {c.type_id for c in report.changes if c.action in ("created", "recreated")}
        found: dict[tuple[str, str], Attachment] = {}
        for chat_id in await self.registry.chat_ids():
            group = await self.registry.get(chat_id)
            if group is None or group.status != LIVE:
                continue
            type_id = content.type_of(chat_id, group.name, group.owner)
            change = templates.get(type_id)
            if change is None:
                continue
            entry = found.setdefault((group.owner, type_id), Attachment(
                group.owner, type_id, change.type_name, change.template_id, type_id in fresh))
            entry.groups.append(group.name or chat_id)
        return sorted(found.values(), key=lambda a: (not a.new, a.owner, a.type_id))


def _same(current: dict[str, Any], payload: dict[str, Any]) -> bool:
    keys = ("text", "image", "link", "miniprogram", "file", "video")
    return all((current.get(k) or None) == (payload.get(k) or None) for k in keys)
