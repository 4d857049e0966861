"""Slow and idle clients cannot crowd out WeCom.

Every connection must deliver a complete request within `read_timeout_s` of opening (or of its previous
answer, for keep-alive); otherwise it is cut. At most `max_connections` are open at once per process,
kept below the open-file limit so that accept() never fails: at the cap, the oldest connection that is not
in the middle of a request makes room for the new one (a legit callback arrives whole in milliseconds, so
it is never the oldest idle one). The body has its own deadline in the endpoint.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

log = logging.getLogger(__name__)

FILE_RESERVE = 256  # files kept free for Redis, WeCom API connections, logs and content


def default_max_connections() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(64, soft - FILE_RESERVE)


@dataclass
class _Connection:
    transport: asyncio.Transport
    opened: float
    busy: bool = False
    timer: asyncio.TimerHandle | None = None


class _Guarded(asyncio.Protocol):
    """Sits in front of aiohttp's protocol: counts the connection and forwards everything."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self.guard = guard
        self.inner = inner
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.inner.connection_made(transport)
        self.guard.opened(self.transport)  # type: ignore[arg-type]

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.guard.closed(self.transport)
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class ConnectionGuard:
    def __init__(self, max_connections: int = 0, read_timeout_s: float = 5.0) -> None:
        self.max_connections = max_connections or default_max_connections()
        self.read_timeout_s = read_timeout_s
        self._open: dict[asyncio.Transport, _Connection] = {}  # oldest first
        self.cut = 0  # connections cut for being slow or for room

    def factory(self, inner: Callable[[], asyncio.Protocol]) -> Callable[[], asyncio.Protocol]:
        return lambda: _Guarded(self, inner())

    @property
    def open(self) -> int:
        return len(self._open)

    def opened(self, transport: asyncio.Transport) -> None:
        if len(self._open) >= self.max_connections and not self._make_room():
            log.warning("connection refused: %d connections are open, all in the middle of a request",
                        len(self._open))
            transport.abort()
            return
        connection = _Connection(transport, time.monotonic())
        self._open[transport] = connection
        self._arm(connection)

    def closed(self, transport: asyncio.Transport) -> None:
        connection = self._open.pop(transport, None)
        if connection is not None and connection.timer is not None:
            connection.timer.cancel()

    def _make_room(self) -> bool:
        for connection in self._open.values():
            if not connection.busy:
                self._cut(connection, "the connection limit was reached")
                return True
        return False

    def _arm(self, connection: _Connection) -> None:
        loop = asyncio.get_running_loop()
        connection.timer = loop.call_later(self.read_timeout_s, self._expire, connection)

    def _expire(self, connection: _Connection) -> None:
        if not connection.busy and connection.transport in self._open:
            self._cut(connection, "no complete request in time")

    def _cut(self, connection: _Connection, why: str) -> None:
        self._open.pop(connection.transport, None)
        if connection.timer is not None:
            connection.timer.cancel()
        self.cut += 1
        log.warning("slow or idle client connections cut (%s)", why)
        connection.transport.abort()

    @web.middleware
    async def middleware(self, request: web.Request,
                         handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        transport = request.transport
        connection = self._open.get(transport) if isinstance(transport, asyncio.Transport) else None
        if connection is None:
            return await handler(request)
        connection.busy = True
        if connection.timer is not None:
            connection.timer.cancel()
        try:
            return await handler(request)
        finally:
            connection.busy = False
            if connection.transport in self._open:
                self._arm(connection)  # keep-alive: the next request has the same deadline
