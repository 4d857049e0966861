"""Wiring: builds the aiohttp application with its store, WeCom client, workers and conversation."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.conversation import Conversation
from bot.gateway.handlers import Handlers
from bot.gateway.kf import KfChannel
from bot.gateway.queue import Queue
from bot.gateway.server import MAX_BODY, CallbackEndpoint, add_routes, never_500
from bot.gateway.worker import Worker
from bot.group_service import GroupService, build_group_service
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI
from bot.protocol.crypto import CallbackCipher
from bot.store.base import Store
from bot.store.factory import open_store

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a running bot holds; tests reach in through APP_SERVICES."""

    settings: Settings
    store: Store
    metrics: Metrics
    queue: Queue
    clock: Callable[[], float]
    conversation: Conversation | None = None
    api: WeComAPI | None = None
    kf: KfChannel | None = None
    handlers: Handlers | None = None
    groups: GroupService | None = None  # customer groups; the conversation factory may build it with content
    workers: list[Worker] = field(default_factory=list)
    background: list[asyncio.Task[None]] = field(default_factory=list)  # drained at shutdown
    auxiliary: list[asyncio.Task[None]] = field(default_factory=list)  # loops cancelled at shutdown


APP_SERVICES = web.AppKey("services", Services)
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
    the_store = store or open_store(settings.redis_url)
    if settings.redis_url is None and own_store:
        log.warning(
            "REDIS_URL is not set: using the embedded in-memory store (one process, state is lost on restart)"
        )
    metrics = Metrics()
    services = Services(
        settings=settings, store=the_store, metrics=metrics, queue=Queue(the_store), clock=clock
    )
    cipher = CallbackCipher(settings.token, settings.aes_key, settings.corp_id)
    endpoint = CallbackEndpoint(cipher, services.queue, metrics, clock=clock)

    app = web.Application(client_max_size=MAX_BODY, middlewares=[never_500])
    app[APP_SERVICES] = services

    async def health() -> tuple[bool, str]:
        try:
            if not await the_store.ping():
                return False, "store does not answer"
        except Exception as error:
            return False, f"store does not answer: {type(error).__name__}"
        if services.conversation is None:
            return False, "content not loaded"
        return True, "ok"

    add_routes(app, endpoint, health)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        session = aiohttp.ClientSession()
        services.api = WeComAPI(
            session,
            the_store,
            base_url=settings.api_base,
            corp_id=settings.corp_id,
            secret=settings.secret,
            metrics=metrics,
        )
        services.kf = KfChannel(the_store, services.api, services.queue, metrics, clock=clock)
        services.conversation = conversation_factory(services)
        services.handlers = Handlers(
            the_store,
            services.api,
            services.kf,
            services.conversation,
            metrics,
            agent_id=settings.agent_id,
            clock=clock,
        )
        if services.groups is None:  # no group content: groups are registered, not moderated
            services.groups = build_group_service(the_store, services.api, services.queue, metrics, settings,
                                                  lambda: None, clock=clock)
        services.handlers.by_kind.update(services.groups.by_kind)
        services.auxiliary.extend(asyncio.create_task(loop) for loop in services.groups.loops())
        await services.queue.setup()
        for _ in range(workers):
            worker = Worker(services.queue, services.handlers.handle, metrics, **(worker_options or {}))  # type: ignore[arg-type]
            services.workers.append(worker)
            services.background.append(asyncio.create_task(worker.run()))
        yield
        for task in services.auxiliary:
            task.cancel()
        if services.auxiliary:
            await asyncio.wait(services.auxiliary, timeout=5)
        for worker in services.workers:
            await worker.stop()
        if services.background:
            _, still_running = await asyncio.wait(services.background, timeout=10)
            for task in still_running:
                task.cancel()
            if still_running:
                await asyncio.wait(still_running, timeout=5)
        await session.close()
        if own_store:
            await the_store.close()

    app.cleanup_ctx.append(lifecycle)
    return app
