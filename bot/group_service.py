"""App wiring for customer groups: the registry, the message sources and moderation behind the gateway.

The gateway queues four kinds of events for them — `external_chat` (change_external_chat), `msgaudit`
(msgaudit_notify), `hit_keyword`, and `group_message` (one observed message, queued by a source) —
and three loops run beside the workers: owner notices, the msgaudit timer (a notification can be
lost, and WeCom keeps archived messages only a few days), and the periodic full reconcile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.content.durations import human_duration
from bot.enforcement.audit import Audit
from bot.enforcement.ladder import Strikes
from bot.enforcement.notices import Notifier
from bot.enforcement.pipeline import Finding, Judge, Moderation
from bot.enforcement.tagging import Tagger
from bot.gateway.queue import Event, Queue
from bot.gateway.sender import Sender
from bot.group_messages.finance_sdk import FinanceSdk, FinanceSdkError
from bot.group_messages.hit_keyword import HitKeywordSource
from bot.group_messages.msgaudit import MsgAuditSource, Sdk
from bot.group_messages.observed import GROUP_MESSAGE, Observed, QueueSink
from bot.groups.answers import not_about_the_group
from bot.groups.content import GroupContent
from bot.groups.events import GroupEvents
from bot.groups.ratelimit import RateLimit
from bot.groups.reconcile import Reconciler
from bot.groups.registry import Registry, member_type_of
from bot.groups.stats import GroupStats
from bot.groups.wecom import Caller, GroupAPI
from bot.metrics import Metrics
from bot.protocol.api import WeComError
from bot.store.base import Store

log = logging.getLogger(__name__)

LAST_SYNC = "siyu:groups:last_full_sync"
DEFAULT_ATTRIBUTION_S = 1800.0
DEFAULT_RETENTION_DAYS = 90
Handler = Callable[[Event], Awaitable[None]]


async def _no_detector(observed: Observed, role: str) -> Finding:
    raise RuntimeError("no moderation detector is wired into this app")


@dataclass
class GroupService:
    api: GroupAPI
    registry: Registry
    stats: GroupStats
    reconciler: Reconciler
    events: GroupEvents
    audit: Audit
    notifier: Notifier
    moderation: Moderation
    hits: HitKeywordSource
    msgaudit: MsgAuditSource | None
    metrics: Metrics
    settings: Settings
    store: Store
    clock: Callable[[], float]
    by_kind: dict[str, Handler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a notification wakes the puller beside the workers: a long pull must not hold up the partition
        # the notification was queued in (kf customers share it)
        self.wake_msgaudit = asyncio.Event()
        self.by_kind = {"external_chat": self.external_chat, "msgaudit": self.msgaudit_notify,
                        "hit_keyword": self.hit_keyword, GROUP_MESSAGE: self.group_message}

    # -- queued events ---------------------------------------------------------------------------------
    async def external_chat(self, event: Event) -> None:
        try:
            outcome = await self.events.handle(event.data, event.received)
        except WeComError as error:
            if not_about_the_group(error):
                raise  # the worker tries again, then dead-letters (48002, 60020, 60011, an unusable answer…)
            # WeCom will not show this group (not visible to the app, gone): retrying cannot help
            log.warning("customer group change not applied: %s", error)
            await self.audit.record("group_change_failed", chat_id=event.data.get("ChatId", ""),
                                    errcode=error.errcode, change=event.data.get("ChangeType", ""))
            outcome = "failed"
        self.metrics.events.labels("external_chat", outcome.split(":")[0]).inc()
        log.info("customer group change %s/%s: %s", event.data.get("ChangeType", ""),
                 event.data.get("UpdateDetail", ""), outcome)

    async def msgaudit_notify(self, event: Event) -> None:
        if self.msgaudit is None:
            log.warning("msgaudit_notify received but 会话内容存档 is not configured (SIYU_MSGAUDIT_SDK); ignored")
            return
        self.wake_msgaudit.set()

    async def hit_keyword(self, event: Event) -> None:
        queued = await self.hits.pull(event.data.get("Token", ""))
        log.info("keyword hits: %d queued for moderation", queued)

    async def group_message(self, event: Event) -> None:
        outcome = await self.moderation.handle(Observed.from_fields(event.data))
        self.metrics.events.labels(GROUP_MESSAGE, outcome).inc()

    # -- loops beside the workers ------------------------------------------------------------------------
    def loops(self) -> list[Coroutine[Any, Any, None]]:
        loops: list[Coroutine[Any, Any, None]] = [self.notifier.run()]
        if self.msgaudit is not None and self.settings.groups.msgaudit is not None:
            loops.append(self._msgaudit_loop(self.settings.groups.msgaudit.interval_s))
        if self.settings.groups.sync_hours > 0:
            loops.append(self._every(300, self._maybe_full_sync, "group reconcile", first_after=60))
        return loops

    async def _msgaudit_loop(self, interval_s: float) -> None:
        """Pull on every msgaudit_notify and at least every interval (a notification can be lost)."""
        assert self.msgaudit is not None
        while True:
            self.wake_msgaudit.clear()
            try:
                report = await self.msgaudit.pull_report()
                if report.seen:
                    log.info("msgaudit pull: %d seen, %d customer-group messages queued, %d undecryptable, seq %d",
                             report.seen, report.queued, report.undecryptable, report.seq)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("msgaudit pull failed (%s); trying again in %s", error, human_duration(interval_s))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake_msgaudit.wait(), interval_s)

    async def _maybe_full_sync(self) -> None:
        last = float(await self.store.get(LAST_SYNC) or 0)
        if self.clock() - last < self.settings.groups.sync_hours * 3600:
            return
        owner = uuid.uuid4().hex
        if not await self.store.acquire(f"{LAST_SYNC}:lock", owner, 6 * 3600 * 1000):
            return
        try:
            report = await self.reconciler.sync_all()
            await self.store.set(LAST_SYNC, f"{self.clock():.0f}")
            log.info("groups reconciled: %d listed, %d changed, %d dismissed, %d failed", report.listed,
                     report.changed, report.dismissed, len(report.failed))
        finally:
            await self.store.release(f"{LAST_SYNC}:lock", owner)

    @staticmethod
    async def _every(seconds: float, job: Callable[[], Awaitable[None]], name: str, first_after: float = 0) -> None:
        await asyncio.sleep(first_after)  # a full reconcile waits for the process to settle first
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("%s failed (%s); trying again in %s", name, error, human_duration(seconds))
            await asyncio.sleep(seconds)


def build_group_service(store: Store, api: Caller, sender: Sender, queue: Queue, metrics: Metrics,
                        settings: Settings, content: Callable[[], GroupContent | None], *, judge: Judge | None = None,
                        sdk: Sdk | None = None, clock: Callable[[], float] = time.time) -> GroupService:
    groups_api = GroupAPI(api)
    registry = Registry(store)

    def ladder_value(name: str, default: float) -> float:
        current = content()
        return float(getattr(current.ladder, name)) if current else default

    stats = GroupStats(store, lambda: ladder_value("attribution_minutes", DEFAULT_ATTRIBUTION_S / 60) * 60,
                       lambda: int(ladder_value("audit_retention_days", DEFAULT_RETENTION_DAYS)))
    per_minute = settings.groups.api_per_minute
    reconciler = Reconciler(groups_api, registry, stats, content,
                            get_limit=RateLimit(store, "groupchat_get", per_minute, clock=clock),
                            list_limit=RateLimit(store, "groupchat_list", per_minute, clock=clock), clock=clock)
    audit = Audit(store, lambda: int(ladder_value("audit_retention_days", DEFAULT_RETENTION_DAYS)), clock)

    def notices() -> Any:
        current = content()
        if current is None:
            raise RuntimeError("no groups/ content: nothing to tell owners")
        return current.ladder.notices

    notifier = Notifier(store, sender, settings.agent_id, notices, audit, clock)
    moderation = Moderation(store, registry, reconciler, stats, content, judge or _no_detector, Strikes(store),
                            notifier, Tagger(groups_api, store), audit, clock)
    sink = QueueSink(queue)

    async def is_customer_group(room: str, message: dict[str, Any]) -> bool:
        if await registry.get(room) is not None:
            return True
        people = [str(message.get("from", "")), *(str(p) for p in message.get("tolist") or [])]
        return any(member_type_of(p) == 2 for p in people if p)

    msgaudit = None
    if sdk is None and settings.groups.msgaudit is not None:
        options = settings.groups.msgaudit
        try:
            sdk = FinanceSdk(options.sdk_path, settings.corp_id, options.secret, proxy=options.proxy,
                             proxy_password=options.proxy_password)
        except FinanceSdkError as error:
            log.error("会话内容存档 is off: %s", error)
    if sdk is not None and settings.groups.msgaudit is not None:
        msgaudit = MsgAuditSource(sdk, settings.groups.msgaudit.keys, store, sink, is_customer_group, clock=clock)
    return GroupService(groups_api, registry, stats, reconciler, GroupEvents(registry, reconciler, stats), audit,
                        notifier, moderation, HitKeywordSource(groups_api, store, sink), msgaudit, metrics, settings,
                        store, clock)
