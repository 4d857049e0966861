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
import errno
import gc
import logging
import signal
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiohttp import web

from bot.content.durations import human_duration
from bot.gateway.connections import ConnectionGuard
from bot.logging_setup import redact_url
from bot.store.base import Store
from bot.store.factory import open_store

log = logging.getLogger(__name__)

STORE_CHECK_S = 3.0


def redacted(url: str) -> str:
    return redact_url(url)


NO_AOF = ("Redis runs without AOF (CONFIG GET appendonly: no): a Redis restart loses the queue, sessions and "
          "profiles; set appendonly yes and appendfsync everysec (docs/gateway.md, What Redis must be)")


@dataclass(frozen=True)
class StoreCheck:
    problem: str | None = None  # why the store cannot be used: siyu serve stops
    warning: str | None = None  # what it runs without (AOF): logged once at start-up


async def check_store(redis_url: str | None) -> StoreCheck:
    """Whether the store answers, and whether it keeps its data across a restart. A Redis that refuses
    CONFIG (as managed ones do) is taken at its word: no warning."""
    if not redis_url:
        return StoreCheck()
    store = open_store(redis_url)
    try:
        await asyncio.wait_for(store.ping(), STORE_CHECK_S)
    except Exception as error:
        reason = str(error).split("\n")[0] or type(error).__name__
        await _close(store)
        return StoreCheck(problem=f"REDIS_URL {redacted(redis_url)} 不应答（Redis 在运行吗？地址和密码对吗？）："
                                  f"{reason}")
    try:
        appendonly = await asyncio.wait_for(store.config_value("appendonly"), STORE_CHECK_S)
    except Exception as error:  # not worth refusing to start over
        log.debug("CONFIG GET appendonly failed: %s", error)
        appendonly = None
    await _close(store)
    return StoreCheck(warning=NO_AOF if appendonly == "no" else None)


async def _close(store: Store) -> None:
    try:
        await store.close()
    except Exception as error:
        log.debug("closing the store after the check: %s", error)


async def settle_heap(_: web.Application) -> AsyncIterator[None]:
    """A cleanup context appended after the app's own: collect once, then freeze what start-up made."""
    gc.collect()
    gc.freeze()
    yield


@dataclass(frozen=True)
class Monitor:
    """The internal listener of /metrics and /healthz (SIYU_METRICS_HOST:SIYU_METRICS_PORT)."""

    app: web.Application
    host: str
    port: int


class ListenError(Exception):
    """The address siyu serve was told to listen on cannot be listened on: one line for the operator."""


def listen_problem(error: OSError, host: str, port: int, host_name: str, port_name: str) -> str:
    if error.errno == errno.EADDRINUSE:
        # where the other one listens is not known (127.0.0.1 blocks 0.0.0.0 too): only where this one tried
        return (f"{port_name} {port} 已被占用：这里要监听 {host}:{port}，而另一个程序（另一个 siyu serve？）"
                f"已经在用端口 {port}；先停掉它，或换一个端口")
    if error.errno == errno.EACCES:
        return (f"{port_name} {port} 没有权限监听：1024 以下的端口要 root 或 CAP_NET_BIND_SERVICE，"
                f"换一个端口（如 8080）")
    if isinstance(error, socket.gaierror):
        return f"{host_name} 不对：找不到地址 {host!r}（{error.strerror}）"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host_name} 不对：本机没有地址 {host}，监听不了；用 0.0.0.0 或本机的一个 IP"
    return f"{host_name} / {port_name}：在 {host}:{port} 上监听不了：{error.strerror or error}"


async def _bind(factory: Callable[[], asyncio.BaseProtocol], host: str, port: int, host_name: str,
                port_name: str) -> asyncio.Server:
    """The listening socket, bound but not yet accepting: a bind that fails stops siyu serve before anything
    starts (the app's workers would otherwise take queued events up and be cut off by the traceback)."""
    try:
        return await asyncio.get_running_loop().create_server(factory, host, port, backlog=1024, reuse_address=True,
                                                             start_serving=False)
    except OSError as error:
        raise ListenError(listen_problem(error, host, port, host_name, port_name)) from error


async def serve(app: web.Application, host: str, port: int, guard: ConnectionGuard,
                monitor: Monitor | None = None) -> None:
    """Raises ListenError, before the app starts, when an address cannot be listened on."""
    app.cleanup_ctx.append(settle_heap)
    runner = web.AppRunner(app, keepalive_timeout=max(guard.read_timeout_s, 5.0), access_log=None)

    def handler() -> asyncio.Protocol:
        assert runner.server is not None  # connections are accepted only once the app has started
        return runner.server()

    internal: web.AppRunner | None = None
    internal_server: asyncio.Server | None = None
    server = await _bind(guard.factory(handler), host, port, "SIYU_HOST", "SIYU_PORT")
    try:
        if monitor is not None:
            internal = web.AppRunner(monitor.app, access_log=None)
            await internal.setup()
            assert internal.server is not None
            internal_server = await _bind(internal.server, monitor.host, monitor.port, "SIYU_METRICS_HOST",
                                          "SIYU_METRICS_PORT")
    except ListenError:
        server.close()
        if internal is not None:
            await internal.cleanup()
        raise
    await runner.setup()
    await server.start_serving()
    loop = asyncio.get_running_loop()
    if internal_server is not None and monitor is not None:
        await internal_server.start_serving()
        log.info("metrics on %s:%d (/metrics and /healthz; /metrics is not served on %s:%d)",
                 monitor.host, monitor.port, host, port)
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
        if internal_server is not None:
            internal_server.close()
        if internal is not None:
            await internal.cleanup()
        await runner.cleanup()
