"""Wiring: builds the aiohttp application with its store, WeCom client, workers and conversation."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterable
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.conversation import Conversation
from bot.events import EventBus
from bot.gateway.connections import ConnectionGuard
from bot.gateway.deadletters import DeadLetters
from bot.gateway.epoch import EpochWatch
from bot.gateway.handlers import Handler, Handlers
from bot.gateway.kf import KfChannel
from bot.gateway.kf_link import KfLink
from bot.gateway.kf_pull import KfPuller
from bot.gateway.kf_welcome import HOLDS_KEY, WELCOME_DUE
from bot.gateway.orders import OrderIntake
from bot.gateway.profile_events import ProfileEvents
from bot.gateway.queue import Queue
from bot.gateway.sender import Sender
from bot.gateway.server import (
    HEALTH_DEADLINE_S,
    MAX_BODY,
    CallbackEndpoint,
    add_routes,
    misrouted,
    monitoring_app,
    never_500,
)
from bot.gateway.timers import TimerPump
from bot.gateway.worker import Worker
from bot.group_service import GroupService, build_group_service
from bot.logging_setup import LogThrottle
from bot.metrics import Metrics
from bot.profile.store import Profiles
from bot.protocol.api import WeComAPI
from bot.protocol.crypto import CallbackCipher
from bot.retention.janitor import Janitor
from bot.store.base import Store
from bot.store.factory import open_store
from bot.tagsync.service import TagSync
from bot.timers import Timers

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a running bot holds; tests reach in through APP_SERVICES."""

    settings: Settings
    store: Store
    metrics: Metrics
    queue: Queue
    clock: Callable[[], float]
    epoch: EpochWatch
    guard: ConnectionGuard
    dead_letters: DeadLetters
    profiles: Profiles  # every profile writer outside engine turns uses this (the retention's TTL)
    conversation: Conversation | None = None
    api: WeComAPI | None = None
    kf: KfChannel | None = None
    sender: Sender | None = None
    handlers: Handlers | None = None
    tags: TagSync | None = None  # set by the conversation factory when it knows the content's codebook
    kf_link: KfLink | None = None
    events: EventBus = field(default_factory=EventBus)  # customer events: the funnel and follow-ups listen
    extra_handlers: dict[str, Handler] = field(default_factory=dict)  # queued event kinds wiring adds
    groups: GroupService | None = None  # customer groups; the conversation factory may build it with content
    products: Callable[[], Collection[str]] | None = None  # product ids of the content in use (set by wiring)
    workers: list[Worker] = field(default_factory=list)
    background: list[asyncio.Task[None]] = field(default_factory=list)  # drained at shutdown
    auxiliary: list[asyncio.Task[None]] = field(default_factory=list)  # loops cancelled at shutdown


APP_SERVICES = web.AppKey("services", Services)
APP_MONITOR = web.AppKey("monitor", web.Application)  # /metrics and /healthz on SIYU_METRICS_PORT, when set


async def cancel_and_wait(tasks: Iterable[asyncio.Task[None]], within: float = 5.0) -> None:
    """Cancel until done: a cancellation can be swallowed inside a client library, so ask again."""
    pending = {task for task in tasks if not task.done()}
    deadline = time.monotonic() + within
    while pending and time.monotonic() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.2)
ConversationFactory = Callable[[Services], Conversation]


def build_app(
    settings: Settings,
    conversation_factory: ConversationFactory,
    *,
    store: Store | None = None,
    clock: Callable[[], float] = time.time,
    workers: int = 1,
    worker_options: dict[str, float] | None = None,
) -> web.Application:
    own_store = store is None
    limits = settings.limits
    the_store = store or open_store(settings.redis_url, pool_size=limits.redis_pool)
    if settings.redis_url is None and own_store:
        log.warning(
            "REDIS_URL is not set: using the embedded in-memory store (one process, state is lost on restart)"
        )
    metrics = Metrics()
    queue = Queue(the_store)
    epoch = EpochWatch(the_store, queue.setup, metrics, clock=clock)
    services = Services(
        settings=settings, store=the_store, metrics=metrics, queue=queue, clock=clock, epoch=epoch,
        guard=ConnectionGuard(limits.max_connections, limits.read_timeout_s),
        dead_letters=DeadLetters(the_store, clock=clock),
        profiles=Profiles(the_store, ttl_ms=int(settings.retention.profiles_s * 1000)),
        events=EventBus(transient=the_store.unavailable),
    )
    cipher = CallbackCipher(settings.token, settings.aes_key, settings.corp_id)
    endpoint = CallbackEndpoint(cipher, queue, metrics, clock=clock, read_timeout_s=limits.read_timeout_s)

    app = web.Application(client_max_size=MAX_BODY, middlewares=[never_500, services.guard.middleware, misrouted])
    app[APP_SERVICES] = services

    async def health() -> tuple[bool, str]:
        try:
            if not await asyncio.wait_for(the_store.ping(), HEALTH_DEADLINE_S):
                return False, "store does not answer"
        except Exception as error:
            return False, f"store does not answer: {type(error).__name__}"
        if services.conversation is None:
            return False, "content not loaded"
        if services.api is not None and services.api.credentials_refused:
            return False, (f"WeCom refused WECOM_CORP_ID / WECOM_SECRET (gettoken errcode "
                           f"{services.api.credentials_refused}): nothing can be sent")
        loss = epoch.status()
        return True, f"ok, but {loss}" if loss else "ok"

    add_routes(app, endpoint, health, with_metrics=not settings.monitor.separate)
    if settings.monitor.separate:  # /metrics off the public port: siyu serve listens for it on the internal one
        app[APP_MONITOR] = monitoring_app(endpoint, health)
    if settings.order_token:
        def catalogue() -> Collection[str] | None:
            return services.products() if services.products else None

        orders = OrderIntake(services.queue, settings.order_token, limits.read_timeout_s, catalogue=catalogue)
        app.router.add_post("/orders", orders.receive)

    async def recreate_groups() -> None:
        if not await epoch.check():  # the epoch survived: only the groups went; make them again
            await queue.setup()

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession()
        services.api = WeComAPI(
            session,
            the_store,
            base_url=settings.api_base,
            corp_id=settings.corp_id,
            secret=settings.secret,
            metrics=metrics,
            timeout_s=limits.wecom_timeout_s,
            rate_limit_pause_max_s=limits.send_retry_max_s,
        )
        services.sender = Sender(services.api, services.dead_letters, metrics, clock=clock,
                                 retry_max_s=limits.send_retry_max_s, concurrency=limits.send_concurrency)
        puller = KfPuller(the_store, services.api, queue, metrics, clock=clock, max_age_s=limits.kf_max_age_s,
                          retry_max_s=limits.send_retry_max_s)
        services.kf = KfChannel(the_store, services.api, puller, services.sender, metrics, clock=clock)
        services.kf_link = KfLink(the_store, services.api, url=settings.kf_url, open_kfid=settings.kf_open_kfid)
        services.conversation = conversation_factory(services)
        services.handlers = Handlers(
            the_store,
            services.api,
            services.kf,
            services.sender,
            services.conversation,
            metrics,
            agent_id=settings.agent_id,
            clock=clock,
            customer_ttl_ms=int(settings.retention.sessions_s * 1000),
            profile_events=ProfileEvents(the_store, services.tags, services.profiles),
            events=services.events,
            kf_link=services.kf_link,
            welcome_hold_s=settings.kf_welcome_hold,
        )
        services.handlers.by_kind.update(services.extra_handlers)
        if services.groups is None:  # no group content: groups are registered, not moderated
            services.groups = build_group_service(the_store, services.api, services.sender, queue, metrics,
                                                  settings, lambda: None, clock=clock)
        services.handlers.by_kind.update(services.groups.by_kind)
        try:
            await epoch.start()
            await queue.setup()
        except the_store.unavailable as error:  # the workers and the epoch watch catch up when it answers
            log.warning("the store does not answer at start (%s); retrying in the background", type(error).__name__)
        services.auxiliary.append(asyncio.create_task(epoch.run()))
        services.auxiliary.append(asyncio.create_task(Janitor(the_store, settings.retention, clock=clock).run()))
        services.auxiliary.append(asyncio.create_task(LogThrottle.flush_forever()))
        holds = TimerPump(Timers(the_store, HOLDS_KEY), queue, clock, kind=WELCOME_DUE)  # held kf welcomes
        services.auxiliary.append(asyncio.create_task(holds.run()))
        services.auxiliary.extend(asyncio.create_task(loop) for loop in services.groups.loops())
        options = {"retry_max_s": limits.send_retry_max_s, **(worker_options or {})}
        for _ in range(workers):
            worker = Worker(queue, services.handlers.handle, metrics, dead_letters=services.dead_letters,
                            on_group_missing=recreate_groups, **options)  # type: ignore[arg-type]
            services.workers.append(worker)
            services.background.append(asyncio.create_task(worker.run()))
        yield
        await cancel_and_wait(services.auxiliary)
        for worker in services.workers:
            await worker.stop()
        if services.background:
            _, still_running = await asyncio.wait(services.background, timeout=15)
            await cancel_and_wait(still_running)
        await session.close()
        if own_store:
            await the_store.close()
        if LogThrottle.active is not None:
            LogThrottle.active.flush(everything=True)

    app.cleanup_ctx.append(lifecycle)
    return app
