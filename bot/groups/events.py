"""change_external_chat events applied to the registry, trusting them only as far as versions allow.

WeCom's callbacks can arrive late, twice, out of order, or never. An add_member/del_member event says
which member_version it starts from (LastMemVer) and which it ends at (CurMemVer):
- LastMemVer equal to the stored version: the event is the next change; apply its members.
- CurMemVer equal to the stored version: already applied (a redelivery); nothing to do.
- created before the last snapshot: the snapshot already includes it (it arrived late); nothing to do.
- anything else: an event was lost or is still on its way; fetch the group (groupchat/get) instead.
create, change_owner, change_name and change_notice carry no new values, so they always fetch.
"""

from __future__ import annotations

import json
import logging
import time

from bot.gateway.eventlog import UNKNOWN_LOG
from bot.gateway.times import unix_time
from bot.groups.reconcile import Reconciler
from bot.groups.registry import Member, Registry, member_type_of
from bot.groups.stats import GroupStats

log = logging.getLogger(__name__)


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


class GroupEvents:
    def __init__(self, registry: Registry, reconciler: Reconciler, stats: GroupStats) -> None:
        self.registry = registry
        self.reconciler = reconciler
        self.stats = stats

    async def handle(self, data: dict[str, str], received: float | None = None) -> str:
        """Apply one change_external_chat event; returns what was done (for logs, metrics and tests). A
        CreateTime that is not a number is taken as the time the callback arrived (`received`, else now): read
        as 0, a dismissal dated 1970 had its group's records purged at once."""
        chat_id = data.get("ChatId", "")
        if not chat_id:  # nothing to fetch: kept for the operator like a contact change naming no customer
            log.warning("change_external_chat %r without ChatId: nothing to apply; kept in %s",
                        data.get("ChangeType", ""), UNKNOWN_LOG)
            kept = {"kind": "external_chat", "change": data.get("ChangeType", ""),
                    "detail": data.get("UpdateDetail", ""), "at": received or time.time(), "why": "no ChatId"}
            await self.registry.store.lpush_capped(UNKNOWN_LOG, json.dumps(kept), 1000)
            return "ignored"
        change, detail = data.get("ChangeType", ""), data.get("UpdateDetail", "")
        created = unix_time(data.get("CreateTime"), received or time.time())
        if change == "dismiss":
            group = await self.registry.get(chat_id)
            diff = await self.registry.mark_dismissed(chat_id, created)
            await self.stats.left(chat_id, group.type if group else "", diff.left, created)
            return "dismissed"
        if change == "create":
            await self.reconciler.reconcile(chat_id)
            return "created"
        if change != "update":
            log.info("change_external_chat %r is not known; the group is fetched again", change)
            await self.reconciler.reconcile(chat_id)
            return "reconciled"
        if detail not in ("add_member", "del_member"):
            await self.reconciler.reconcile(chat_id)  # owner, name or notice: the event has no new value
            return f"reconciled:{detail or 'update'}"
        return await self._members(chat_id, detail, data, created)

    async def _members(self, chat_id: str, detail: str, data: dict[str, str], created: float) -> str:
        changed = [uid for uid in data.get("MemChangeList", "").split(",") if uid]
        last, current = data.get("LastMemVer", ""), data.get("CurMemVer", "")
        scene_field = "JoinScene" if detail == "add_member" else "QuitScene"
        scene = _int(data.get(scene_field))
        group = await self.registry.get(chat_id)
        if group is None:
            await self.reconciler.reconcile(chat_id)
            return "reconciled:unknown_group"
        if current and current == group.version:
            return "duplicate"
        if group.synced_at and created < group.synced_at and not (last and last == group.version):
            # older than the snapshot: normally already in it, unless WeCom's snapshot lagged behind
            members = await self.registry.members(chat_id)
            present = [uid in members for uid in changed]
            if all(present) if detail == "add_member" else not any(present):
                return "stale"
            await self.reconciler.reconcile(chat_id)
            return "reconciled:stale_mismatch"
        if (last and last != group.version) or (not last and group.version and current):
            quit_scenes = {uid: scene for uid in changed} if detail == "del_member" else None
            await self.reconciler.reconcile(chat_id, quit_scenes=quit_scenes)
            return "reconciled:version_mismatch"
        if detail == "add_member":
            joined = [Member(uid, member_type_of(uid), scene, int(created)) for uid in changed]
            diff = await self.registry.apply_delta(chat_id, joined=joined, left=[], version=current,
                                                   updated_at=created)
            if not diff.known_before:
                return await self._unreadable(chat_id)
            await self.stats.joined(chat_id, group.type, diff.joined, created)
        else:
            diff = await self.registry.apply_delta(chat_id, joined=[], left=changed, version=current,
                                                   updated_at=created)
            if not diff.known_before:
                return await self._unreadable(chat_id)
            await self.stats.left(chat_id, group.type, diff.left, created, {uid: scene for uid in changed})
        if _int(data.get("MemChangeCnt")) and len(changed) < _int(data.get("MemChangeCnt")):
            # WeCom lists at most a part of a big change: the rest is only in a snapshot
            await self.reconciler.reconcile(chat_id)
            return "applied+reconciled"
        return "applied"

    async def _unreadable(self, chat_id: str) -> str:
        """The stored members could not be read (registry.py kept them for the operator): fetch the group."""
        await self.reconciler.reconcile(chat_id)
        return "reconciled:unreadable"
