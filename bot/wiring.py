"""App wiring for `siyu serve`: the engine behind the gateway, its timer pump, content hot reload, the
follow-up plans (listener, pump, runner, WeCom delivery) and the funnel recorder on the customer events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from bot.app import ConversationFactory, Services
from bot.conversation import Conversation
from bot.enforcement.detector_judge import DetectorJudge
from bot.engine.engine import Engine
from bot.engine.library import EPISODE as CONTENT_EPISODE
from bot.engine.library import Library
from bot.followups.facts import ProfileView
from bot.followups.listener import FollowupListener
from bot.followups.plans import FollowupFile
from bot.followups.pump import KIND, FollowupPump, customer_of_event
from bot.followups.record import Records
from bot.followups.runner import FollowUps
from bot.followups.wecom import WeComDelivery
from bot.funnel.recorder import FunnelMetrics, FunnelRecorder
from bot.gateway.orders import KIND as ORDER
from bot.gateway.orders import OrderHandler
from bot.gateway.queue import Event
from bot.gateway.timers import TimerPump
from bot.group_service import build_group_service
from bot.groups.library import GroupLibrary
from bot.logging_setup import in_episode
from bot.tagsync.service import TagSync

log = logging.getLogger(__name__)


async def reload_all(library: Library, groups: GroupLibrary, *, signalled: bool = False) -> None:
    """Reload content; whatever goes wrong, the running content stays and the watcher goes on (broken
    content is refused with file:line by the loaders; anything else is a bug, logged with its traceback).
    `signalled` (SIGHUP): the operator asked, so a reload that found nothing changed says so too."""
    try:
        was_refused = library.refused
        changed = await library.reload_async()
        groups.reload(library.current)  # groups/ is checked against the personas now in use
        if signalled and not changed and not was_refused and not library.refused:
            log.info("SIGHUP: content unchanged; version %s stays in use", library.current.version)
    except Exception:
        library.refused = True
        log.exception("content reload failed, the running version %s stays", library.current.version,
                      extra=in_episode(CONTENT_EPISODE))  # closed by the next reload that loads


async def watch_content(library: Library, groups: GroupLibrary, *, recheck_s: float = 2.0) -> None:
    """Reload when a content file changes (validated; on error the running content stays).

    The folders are watched by what they are when the watch starts; a deploy that replaces one (rm -rf and a
    copy, a mv swap) or flips the content's symlink to a new release would leave the watch on folders nobody
    edits any more. So every `recheck_s` the folders at the content's paths are compared with the watched ones;
    when one was replaced, appeared or went, the watch starts again on what is there now and the content is read.
    """
    from watchfiles import awatch

    root = library.root
    while True:
        watched = _folders(root)
        moved = asyncio.Event()
        checker = asyncio.create_task(_until_moved(root, watched, moved, recheck_s))
        try:
            folders = [path for path, identity in watched.items() if identity is not None]
            if folders:
                async for _ in awatch(*folders, debounce=500, recursive=False, stop_event=moved):
                    await reload_all(library, groups)
            await moved.wait()
        except OSError as error:  # a folder went between the look and the watch: look again
            log.debug("content watch restarts: %s", error)
            await asyncio.sleep(recheck_s)
        finally:
            checker.cancel()
        log.info("a content folder was replaced, added or removed: watching what is there now and reading the "
                 "content again")
        await reload_all(library, groups)


Identity = tuple[int, int] | None


def _folders(root: Path) -> dict[str, Identity]:
    """The content folders at root's paths, each by (device, inode) of what the path leads to; None: missing."""
    found: dict[str, Identity] = {}
    for name in ("flows", "persona", "knowledge", "groups"):
        path = root / name
        try:
            stat = path.stat()
        except OSError:
            found[str(path)] = None
            continue
        found[str(path)] = (stat.st_dev, stat.st_ino) if path.is_dir() else None
    return found


async def _until_moved(root: Path, watched: dict[str, Identity], moved: asyncio.Event, every: float) -> None:
    while not moved.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(moved.wait(), every)
        if _folders(root) != watched:
            moved.set()


def make_conversation_factory(content_dir: Path, persona: str | None = None, *, burst_window: float = 2.0,
                              timezone: str = "Asia/Shanghai", hot_reload: bool = True,
                              handover_timeout: float = 0.0) -> ConversationFactory:
    """Load the content now (so that start-up fails on bad content) and return the app's factory."""
    library = Library.load(content_dir, persona)
    log.info("content version %s loaded from %s", library.current.version, content_dir)
    groups = GroupLibrary.load(library.current)

    def factory(services: Services) -> Conversation:
        store, bus, clock = services.store, services.events, services.clock
        retention = services.settings.retention
        engine = Engine(library, store, clock=clock, timezone=timezone, burst_window=burst_window,
                        handover_timeout=handover_timeout, events=bus,
                        session_ttl_ms=int(retention.sessions_s * 1000),
                        profile_ttl_ms=int(retention.profiles_s * 1000))
        pump = TimerPump(engine.timers, services.queue, clock)
        services.auxiliary.append(asyncio.create_task(pump.run()))
        if services.api is not None:  # the profile's tags go to WeCom (and staff changes come back)
            services.tags = TagSync(store, services.api, lambda: library.current.codebook, clock=clock,
                                    profiles=services.profiles)
            services.auxiliary.append(asyncio.create_task(services.tags.run()))
        add_followups_and_funnel(services, library, engine, timezone)
        services.products = lambda: {p.id for p in library.current.understanding.knowledge.products}
        assert services.api is not None and services.sender is not None
        services.groups = build_group_service(services.store, services.api, services.sender, services.queue,
                                              services.metrics, services.settings, groups.get, clock=services.clock,
                                              judge=DetectorJudge(lambda: library.current.moderation, services.store,
                                                                  services.clock))
        if hot_reload:
            services.auxiliary.append(asyncio.create_task(watch_content(library, groups)))
            loop = asyncio.get_running_loop()
            try:
                loop.add_signal_handler(signal.SIGHUP,
                                        lambda: loop.create_task(reload_all(library, groups, signalled=True)))
            except (NotImplementedError, RuntimeError, ValueError):
                log.info("SIGHUP reload is not available here; file changes still reload")
        return engine

    return factory


def add_followups_and_funnel(services: Services, library: Library, engine: Engine, timezone: str) -> FollowUps:
    def plans() -> FollowupFile:
        return library.current.plans

    store, bus, clock = services.store, services.events, services.clock
    bus.subscribe(FollowupListener(Records(store), plans))
    bus.subscribe(FunnelRecorder(store, FunnelMetrics(services.metrics.registry), timezone=timezone, clock=clock))
    assert services.api is not None and services.kf is not None and services.sender is not None
    delivery = WeComDelivery(store, services.api, services.kf, services.sender, services.metrics,
                             agent_id=services.settings.agent_id, plans=plans, timezone=timezone)
    view = ProfileView(store, lambda: library.current, profiles=services.profiles)
    followups = FollowUps(plans, store, engine, view=view, delivery=delivery, events=bus, clock=clock,
                          timezone=timezone)

    async def run_followups(event: Event) -> None:
        await followups.run(customer_of_event(event))

    services.extra_handlers[KIND] = run_followups
    services.extra_handlers[ORDER] = OrderHandler(store, bus, clock, profiles=services.profiles)
    services.auxiliary.append(asyncio.create_task(FollowupPump(store, services.queue, clock).run()))
    if services.kf_link is not None and services.kf_link.configured:
        services.auxiliary.append(asyncio.create_task(services.kf_link.warm()))  # ready before the first welcome
    elif services.kf_link is not None:
        log.warning("neither SIYU_KF_URL nor SIYU_KF_OPEN_KFID is set: contact welcomes cannot invite customers "
                    "to the kf chat")
    return followups
