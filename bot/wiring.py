"""App wiring for `siyu serve`: the engine behind the gateway, its timer pump and content hot reload."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from bot.app import ConversationFactory, Services
from bot.conversation import Conversation
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.gateway.timers import TimerPump
from bot.tagsync.service import TagSync

log = logging.getLogger(__name__)


async def watch_content(library: Library) -> None:
    """Reload when a content file changes (validated; on error the running content stays)."""
    from watchfiles import awatch

    root = library.current.root
    folders = [str(root / name) for name in ("flows", "persona", "knowledge") if (root / name).is_dir()]
    async for _ in awatch(*folders, debounce=500, recursive=False):
        await library.reload_async()


def make_conversation_factory(content_dir: Path, persona: str | None = None, *, burst_window: float = 2.0,
                              timezone: str = "Asia/Shanghai", hot_reload: bool = True,
                              handover_timeout: float = 0.0) -> ConversationFactory:
    """Load the content now (so that start-up fails on bad content) and return the app's factory."""
    library = Library.load(content_dir, persona)
    log.info("content version %s loaded from %s", library.current.version, content_dir)

    def factory(services: Services) -> Conversation:
        engine = Engine(library, services.store, clock=services.clock, timezone=timezone,
                        burst_window=burst_window, handover_timeout=handover_timeout)
        pump = TimerPump(engine.timers, services.queue, services.clock)
        services.auxiliary.append(asyncio.create_task(pump.run()))
        if services.api is not None:  # the profile's tags go to WeCom (and staff changes come back)
            services.tags = TagSync(services.store, services.api, lambda: library.current.codebook,
                                    clock=services.clock)
            services.auxiliary.append(asyncio.create_task(services.tags.run()))
        if hot_reload:
            services.auxiliary.append(asyncio.create_task(watch_content(library)))
            loop = asyncio.get_running_loop()
            try:
                loop.add_signal_handler(signal.SIGHUP, lambda: loop.create_task(library.reload_async()))
            except (NotImplementedError, RuntimeError, ValueError):
                log.info("SIGHUP reload is not available here; file changes still reload")
        return engine

    return factory
