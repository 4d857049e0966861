"""Reconciling the registry with WeCom: one group through groupchat/get, or all of them through
groupchat/list (cursor paging; owner filter in batches of 100 when WeCom answers 81017) and
groupchat/get for each, inside a per-minute budget shared by every process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.groups.content import GroupContent
from bot.groups.ratelimit import RateLimit
from bot.groups.registry import DISMISSED, Diff, Registry
from bot.groups.stats import GroupStats
from bot.groups.wecom import TOO_MANY_MEMBERS, GroupAPI
from bot.protocol.api import RETRY_LATER, TRANSPORT_ERRCODE, WeComError

log = logging.getLogger(__name__)

OWNER_BATCH = 100  # groupchat/list owner_filter.userid_list holds at most 100 ids
ContentSource = Callable[[], GroupContent | None]


@dataclass
class SyncReport:
    listed: int = 0
    reconciled: int = 0
    changed: int = 0
    joins: int = 0
    leaves: int = 0
    dismissed: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # chat id → error
    by_owner_filter: bool = False
    api_calls: int = 0
    waited_s: float = 0.0
    seconds: float = 0.0


class Reconciler:
    def __init__(self, api: GroupAPI, registry: Registry, stats: GroupStats, content: ContentSource, *,
                 get_limit: RateLimit, list_limit: RateLimit, clock: Callable[[], float] = time.time) -> None:
        self.api = api
        self.registry = registry
        self.stats = stats
        self.content = content
        self.get_limit = get_limit
        self.list_limit = list_limit
        self.clock = clock
        self.calls = 0

    def type_of(self, chat_id: str, name: str, owner: str) -> str:
        content = self.content()
        return content.type_of(chat_id, name, owner) if content else ""

    async def reconcile(self, chat_id: str, *, quit_scenes: dict[str, int] | None = None,
                        follow_status: int | None = None) -> Diff:
        """Fetch the group and make the registry equal to it; counts joins and leaves it finds."""
        await self.get_limit.acquire()
        self.calls += 1
        snapshot = await self.api.groupchat_get(chat_id)
        if not snapshot.get("chat_id"):
            snapshot = {**snapshot, "chat_id": chat_id}
        now = self.clock()
        type_id = self.type_of(chat_id, str(snapshot.get("name", "")), str(snapshot.get("owner", "")))
        diff = await self.registry.apply_snapshot(snapshot, type_id, now, follow_status)
        if diff.known_before:
            await self.stats.joined(chat_id, type_id, diff.joined, now)
            await self.stats.left(chat_id, type_id, diff.left, now, quit_scenes)
        return diff

    async def list_groups(self, owners: list[str] | None = None) -> tuple[dict[str, int], bool]:
        """chat id → follow status of every group WeCom lists; True when an owner filter was needed."""
        found: dict[str, int] = {}
        if owners:
            await self._list_by_owners(owners, found)
            return found, True
        try:
            await self._list_pages(None, found)
            return found, False
        except WeComError as error:
            if error.errcode != TOO_MANY_MEMBERS:
                raise
            log.info("groupchat/list answered 81017 (over 1,000 visible members): listing by owner instead")
        await self.list_limit.acquire()
        self.calls += 1
        everyone = await self.api.follow_users()
        found.clear()
        await self._list_by_owners(everyone, found)
        return found, True

    async def _list_by_owners(self, owners: list[str], found: dict[str, int]) -> None:
        for start in range(0, len(owners), OWNER_BATCH):
            await self._list_pages(owners[start:start + OWNER_BATCH], found)

    async def _list_pages(self, owners: list[str] | None, found: dict[str, int]) -> None:
        pages = self.api.groupchat_pages(owners)
        while True:
            await self.list_limit.acquire()
            self.calls += 1
            try:
                page = await anext(pages)
            except StopAsyncIteration:
                return
            for item in page:
                found[str(item["chat_id"])] = int(item.get("status") or 0)

    async def sync_all(self, owners: list[str] | None = None, concurrency: int = 4) -> SyncReport:
        """Reconcile every listed group; groups no longer listed are marked dismissed (full listing only)."""
        started = self.clock()
        report = SyncReport()
        calls_before, waited_before = self.calls, self.get_limit.waited_s + self.list_limit.waited_s
        listed, report.by_owner_filter = await self.list_groups(owners)
        report.listed = len(listed)
        gate = asyncio.Semaphore(concurrency)

        async def one(chat_id: str, status: int) -> None:
            async with gate:
                try:
                    diff = await self._reconcile_with_retry(chat_id, status)
                except WeComError as error:
                    report.failed[chat_id] = f"{error.errcode} {error.errmsg}"
                    log.warning("group reconcile failed: %s", error)
                    return
                report.reconciled += 1
                report.joins += len(diff.joined) if diff.known_before else 0
                report.leaves += len(diff.left) if diff.known_before else 0
                report.changed += 0 if diff.empty or not diff.known_before else 1

        await asyncio.gather(*(one(chat_id, status) for chat_id, status in listed.items()))
        if not owners:  # only a complete listing proves that a group is gone
            for chat_id in await self.registry.chat_ids():
                group = await self.registry.get(chat_id)
                if chat_id not in listed and group is not None and group.status != DISMISSED:
                    diff = await self.registry.mark_dismissed(chat_id, self.clock())
                    await self.stats.left(chat_id, group.type, diff.left, self.clock())
                    report.dismissed += 1
        report.api_calls = self.calls - calls_before
        report.waited_s = self.get_limit.waited_s + self.list_limit.waited_s - waited_before
        report.seconds = self.clock() - started
        return report

    async def _reconcile_with_retry(self, chat_id: str, status: int) -> Diff:
        # the client already retried busy answers a few times; a long sync gives them a few more chances
        for attempt in range(3):
            try:
                return await self.reconcile(chat_id, follow_status=status)
            except WeComError as error:
                if (error.errcode not in RETRY_LATER and error.errcode != TRANSPORT_ERRCODE) or attempt == 2:
                    raise
                await self.get_limit.sleep(1 + attempt)
        raise AssertionError("unreachable")
