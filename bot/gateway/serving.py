"""Running `siyu serve`: the app behind the connection guard, until SIGTERM or SIGINT.

aiohttp's own runner is used as is; only the listening socket's protocol factory is wrapped, so that
every connection is counted and timed (connections.py).

Once the app has started (content loaded, indexes built), what is alive is moved out of the cyclic
collector's reach (`gc.freeze`). Under load, objects of requests in flight keep reaching the oldest
generation, and each full collection then walked the whole start-up heap: 30-120 ms with the process
stopped, about once a second at 5,000 callbacks/s, which set the ack p99. Frozen objects are still freed by
reference counting; only reference cycles among them are never collected, which bounds what this keeps to
the start-up content version once a reload has retired it.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from bot.content.durations import human_duration
from bot.gateway.connections import ConnectionGuard
from bot.store.factory import open_store

log = logging.getLogger(__name__)

STORE_CHECK_S = 3.0


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


async def store_problem(redis_url: str | None) -> str | None:
    """One line saying why the store cannot be used, or None when it answers."""
    if not redis_url:
        return None
    store = open_store(redis_url)
    try:
        await asyncio.wait_for(store.ping(), STORE_CHECK_S)
        return None
    except Exception as error:
        reason = str(error).split("\n")[0] or type(error).__name__
        return f"REDIS_URL {redacted(redis_url)} does not answer: {reason}"
    finally:
        try:
            await store.close()
        except Exception as error:
            log.debug("closing the store after the check failed: %s", error)


async def settle_heap(_: web.Application) -> AsyncIterator[None]:
    """A cleanup context appended after the app's own: collect once, then freeze what start-up made."""
    gc.collect()
    gc.freeze()
    yield


async def serve(app: web.Application, host: str, port: int, guard: ConnectionGuard) -> None:
    app.cleanup_ctx.append(settle_heap)
    runner = web.AppRunner(app, keepalive_timeout=max(guard.read_timeout_s, 5.0), access_log=None)
    await runner.setup()
    loop = asyncio.get_running_loop()
    assert runner.server is not None
    server = await loop.create_server(guard.factory(runner.server), host, port, backlog=1024,
                                      reuse_address=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log.info("siyu-bot listening on %s:%d (at most %d client connections, %s to send a request)",
             host, port, guard.max_connections, human_duration(guard.read_timeout_s))
    try:
        await stop.wait()
        log.info("stopping: finishing the work in hand")
    finally:
        server.close()
        await runner.cleanup()
