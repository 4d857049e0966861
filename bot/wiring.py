"""App wiring for `siyu serve`: the engine behind the gateway, its timer pump and content hot reload."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from bot.app import ConversationFactory, Services
from bot.conversation import Conversation
from bot.enforcement.detector_judge import DetectorJudge
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.gateway.timers import TimerPump
from bot.group_service import build_group_service
from bot.groups.library import GroupLibrary

log = logging.getLogger(__name__)


async def reload_all(library: Library, groups: GroupLibrary) -> None:
    await library.reload_async()
    groups.reload(library.current)  # groups/ is checked against the personas now in use


async def watch_content(library: Library, groups: GroupLibrary) -> None:
    """Reload when a content file changes (validated; on error the running content stays)."""
    from watchfiles import awatch

    root = library.current.root
    folders = [str(root / name) for name in ("flows", "persona", "knowledge", "groups") if (root / name).is_dir()]
    async for _ in awatch(*folders, debounce=500, recursive=False):
        await reload_all(library, groups)


def make_conversation_factory(content_dir: Path, persona: str | None = None, *, burst_window: float = 2.0,
                              timezone: str = "Asia/Shanghai", hot_reload: bool = True) -> ConversationFactory:
    """Load the content now (so that start-up fails on bad content) and return the app's factory."""
    library = Library.load(content_dir, persona)
    log.info("content version %s loaded from %s", library.current.version, content_dir)
    groups = GroupLibrary.load(library.current)

    def factory(services: Services) -> Conversation:
        engine = Engine(library, services.store, clock=services.clock, timezone=timezone,
                        burst_window=burst_window,
                        session_ttl_ms=int(services.settings.retention.sessions_s * 1000))
        pump = TimerPump(engine.timers, services.queue, services.clock)
        services.auxiliary.append(asyncio.create_task(pump.run()))
        assert services.api is not None and services.sender is not None
        services.groups = build_group_service(services.store, services.api, services.sender, services.queue,
                                              services.metrics, services.settings, groups.get, clock=services.clock,
                                              judge=DetectorJudge(lambda: library.current.moderation, services.store,
                                                                  services.clock))
        if hot_reload:
            services.auxiliary.append(asyncio.create_task(watch_content(library, groups)))
            loop = asyncio.get_running_loop()
            try:
                loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(reload_all(library, groups)))
            except (NotImplementedError, RuntimeError, ValueError):
                log.info("SIGHUP reload is not available here; file changes still reload")
        return engine

    return factory
