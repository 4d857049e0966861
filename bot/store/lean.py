"""One lean, pipelined Redis connection for the batched script calls (coalesce.py).

redis-py's pooled path costs about 0.1 ms of client CPU per call (the pool's condition and lock, a timeout
context per read, observability hooks), which was a fifth of an engine turn's CPU: a turn makes two such
calls, the callback endpoint one per batch. Here one connection per store carries every batch in order: a
batch is written whole, and the protocol hands the answers (parsed by hiredis) to the batches in the order
they were written. Batches of concurrent flushes pipeline on the same socket, and a caller that gives up
never desynchronises it.

Failures are redis-py's own exceptions, as on the pooled path: an error reply is the same ResponseError
subclass (NoScriptError for NOSCRIPT); a refused or lost connection is ConnectionError; no byte from Redis
for `timeout_s` while answers are awaited is TimeoutError, and the connection is dropped (answers may still
be in flight on it). The next call connects again. TLS (rediss://) keeps the pooled path.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import hiredis
import redis.asyncio as aioredis
from redis._parsers.base import BaseParser
from redis.asyncio.connection import Connection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

_LENGTHS = [b"$%d\r\n" % size for size in range(1024)]  # the length line of a short bulk string, made once


def command(parts: Sequence[str | int | bytes]) -> bytes:
    """One command in the Redis protocol (RESP): what redis-py's packer does, without its generality."""
    out = [b"*%d\r\n" % len(parts)]
    append, lengths = out.append, _LENGTHS
    for part in parts:
        raw = part.encode() if type(part) is str else part if isinstance(part, bytes) else str(part).encode()
        size = len(raw)
        append(lengths[size] if size < 1024 else b"$%d\r\n" % size)
        append(raw)
        append(b"\r\n")
    return b"".join(out)


Answered = Callable[[list[Any] | Exception], None]


class _Batch:
    """A batch written, waiting for its `count` replies: handed to a future (`call`), or to a callback
    straight from the protocol (`send_if_connected`: no future, no extra loop iteration per batch)."""

    __slots__ = ("answered", "count", "future", "replies")

    def __init__(self, count: int, future: asyncio.Future[list[Any]] | None, answered: Answered | None) -> None:
        self.count = count
        self.future = future
        self.answered = answered
        self.replies: list[Any] = []

    def settle(self, loop: asyncio.AbstractEventLoop, outcome: list[Any] | Exception) -> None:
        future, answered = self.future, self.answered
        if answered is not None:
            try:
                answered(outcome)
            except Exception as error:  # as a future's done-callback would: reported, the protocol goes on
                loop.call_exception_handler({"message": "Redis batch callback failed", "exception": error})
        elif future is not None and not future.done():
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


class _Protocol(asyncio.Protocol):
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.reader = hiredis.Reader(encoding="utf-8", errors="replace", replyError=BaseParser.parse_error)
        self.batches: deque[_Batch] = deque()
        self.lost: Exception | None = None
        self._heard = 0.0  # loop time of the last progress: bytes received, or a wait began
        self._watch: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, payload: bytes, count: int) -> asyncio.Future[list[Any]]:
        future: asyncio.Future[list[Any]] = self.loop.create_future()
        self._write(payload, _Batch(count, future, None))
        return future

    def send_to(self, payload: bytes, count: int, answered: Answered) -> None:
        """Like send, but `answered` gets the replies (or the connection's error) from the protocol itself."""
        self._write(payload, _Batch(count, None, answered))

    def _write(self, payload: bytes, batch: _Batch) -> None:
        assert self.transport is not None
        if not self.batches:
            self._heard = self.loop.time()
            if self._watch is None:
                self._watch = self.loop.call_at(self._heard + self.timeout_s, self._check)
        self.batches.append(batch)
        self.transport.write(payload)

    def data_received(self, data: bytes) -> None:
        loop = self.loop
        self._heard = loop.time()
        reader, batches = self.reader, self.batches
        reader.feed(data)
        while batches:
            reply = reader.gets()
            if reply is False:
                return
            batch = batches[0]
            batch.replies.append(reply)
            if len(batch.replies) == batch.count:
                batches.popleft()
                batch.settle(loop, batch.replies)

    def _check(self) -> None:
        self._watch = None
        if not self.batches:
            return
        loop = asyncio.get_running_loop()
        if loop.time() - self._heard >= self.timeout_s:
            self._fail(RedisTimeoutError("Timeout reading from Redis"))
            if self.transport is not None:
                self.transport.abort()
        else:
            self._watch = loop.call_at(self._heard + self.timeout_s, self._check)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(RedisConnectionError(f"Connection to Redis lost: {exc or 'closed by the server'}"))

    def _fail(self, error: Exception) -> None:
        self.lost = self.lost or error
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        while self.batches:
            self.batches.popleft().settle(self.loop, error)


class LeanConnection:
    """Connects on first use and again after a failure; `call` writes a batch and returns its replies."""

    def __init__(self, options: dict[str, Any], unix: bool) -> None:
        self._options = options
        self._unix = unix
        self._protocol: _Protocol | None = None
        self._lock = asyncio.Lock()  # concurrent callers wait for the same connect
        self._lock_loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def for_client(cls, client: aioredis.Redis) -> LeanConnection | None:
        """The lean connection to the server `client`'s pool talks to; None for TLS or anything else."""
        pool = client.connection_pool
        kind, options = pool.connection_class, pool.connection_kwargs
        if kind is UnixDomainSocketConnection:
            return cls(options, unix=True)
        if kind is Connection:
            return cls(options, unix=False)
        return None

    def send_if_connected(self, payload: bytes, count: int, answered: Answered) -> bool:
        """Write a batch when the connection is open on this loop, `answered` getting its replies or the
        connection's error from the protocol; False (nothing written) when `call` must connect first."""
        protocol = self._protocol
        if protocol is None or protocol.lost is not None or protocol.loop is not asyncio.get_running_loop():
            return False
        protocol.send_to(payload, count, answered)
        return True

    async def call(self, payload: bytes, count: int) -> list[Any]:
        protocol = self._protocol
        if protocol is None or protocol.lost is not None or protocol.loop is not asyncio.get_running_loop():
            protocol = await self._connected()
        return await protocol.send(payload, count)

    async def _connected(self) -> _Protocol:
        loop = asyncio.get_running_loop()
        if self._lock_loop is not loop:  # a store used from another event loop (a CLI run after another)
            self._lock, self._lock_loop, self._protocol = asyncio.Lock(), loop, None
        async with self._lock:
            protocol = self._protocol
            if protocol is None or protocol.lost is not None:
                protocol = self._protocol = await self._connect()
            return protocol

    async def _connect(self) -> _Protocol:
        options, loop = self._options, asyncio.get_running_loop()
        timeout_s = float(options.get("socket_timeout") or 5.0)
        where = options.get("path") if self._unix else f"{options.get('host')}:{options.get('port')}"
        try:
            async with asyncio.timeout(float(options.get("socket_connect_timeout") or timeout_s)):
                if self._unix:
                    _, protocol = await loop.create_unix_connection(lambda: _Protocol(timeout_s), options["path"])
                else:
                    host, port = str(options.get("host") or "localhost"), int(options.get("port") or 6379)
                    _, protocol = await loop.create_connection(lambda: _Protocol(timeout_s), host, port)
        except TimeoutError as error:
            raise RedisTimeoutError(f"Timeout connecting to Redis at {where}") from error
        except OSError as error:
            raise RedisConnectionError(f"Error connecting to Redis at {where}: {error}") from error
        setup: list[tuple[str | int | bytes, ...]] = []
        if options.get("password"):
            user = options.get("username")
            setup.append(("AUTH", user, options["password"]) if user else ("AUTH", options["password"]))
        if int(options.get("db") or 0):
            setup.append(("SELECT", int(options["db"])))
        if setup:
            replies = await protocol.send(b"".join(command(step) for step in setup), len(setup))
            errors = [reply for reply in replies if isinstance(reply, Exception)]
            if errors:
                assert protocol.transport is not None
                protocol.transport.abort()
                raise errors[0]
        return protocol

    async def close(self) -> None:
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None and not protocol.loop.is_closed():
            protocol.transport.close()  # (one made on a loop that has ended went with it)
