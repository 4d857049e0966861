"""One Redis pipeline per event-loop tick for a script that many requests call at once.

Under load aiohttp runs dozens of callback handlers in the same loop iteration; each used to send its own
EVALSHA and wait for its own answer, one connection and one round trip apiece. Here the calls made while
the loop runs one iteration are sent together as one pipeline (no MULTI: each script call stays atomic on
its own, and one failing call does not fail its neighbours) and every caller gets its own result or error.
When Redis does not answer, every caller of that batch gets the connection error, as before.

The engine's two turn scripts go through here too. Batches go over the store's one lean connection
(lean.py: written whole, answers read in order by the protocol), which costs a fraction of the client CPU
of redis-py's pooled path; with TLS (rediss://) they are written and read on a pooled connection.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, ResponseError

from bot.store.lean import LeanConnection, command

Args = Sequence[str | int]
Batch = list[tuple[Args, Args, "asyncio.Future[Any]"]]


class CoalescedScript:
    def __init__(self, redis: aioredis.Redis, source: str, *, on_answer: Callable[[], None] | None = None,
                 lean: LeanConnection | None = None) -> None:
        self._redis = redis
        self._lean = lean
        self._on_answer = on_answer  # told each time Redis answers a batch (health: "Redis is alive")
        self._source = source
        self._evalsha = (b"EVALSHA", hashlib.sha1(source.encode()).hexdigest().encode())  # encoded once
        self._pending: Batch = []

    async def __call__(self, keys: Args, args: Args) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._pending:  # the first call of this tick: the flush runs once the tick's handlers have run
            loop.call_soon(self._flush_soon)
        self._pending.append((keys, args, future))
        return await future

    def _flush_soon(self) -> None:
        """Write the tick's batch. On an open lean connection the answers are handed out by the protocol as
        they arrive (no task and no future per batch: most turns write two batches); otherwise the
        `_flush` coroutine connects first."""
        batch, self._pending = self._pending, []
        if self._lean is None or not self._lean.send_if_connected(
                self._payload(batch), len(batch), lambda outcome: self._answered(batch, outcome)):
            asyncio.get_running_loop().create_task(self._flush(batch)).add_done_callback(_retrieve)

    def _answered(self, batch: Batch, outcome: list[Any] | Exception) -> None:
        if isinstance(outcome, Exception):
            _fail(batch, outcome)
            return
        if any(isinstance(result, NoScriptError) for result in outcome):  # rare: Redis lost its scripts
            asyncio.get_running_loop().create_task(self._flush(batch, outcome)).add_done_callback(_retrieve)
            return
        self._hand_out(batch, outcome)

    async def _flush(self, batch: Batch, results: list[Any] | None = None) -> None:
        try:
            if results is None:
                results = await self._run(batch)
            missing = [i for i, result in enumerate(results) if isinstance(result, NoScriptError)]
            if missing:  # Redis restarted or SCRIPT FLUSH: load the script and run those calls again
                await self._redis.script_load(self._source)
                again = await self._run([batch[i] for i in missing])
                for i, result in zip(missing, again, strict=True):
                    results[i] = result
        except Exception as error:  # the store is unreachable: every caller of the batch hears it
            _fail(batch, error)
            return
        except BaseException:
            _cancel(batch)
            raise
        self._hand_out(batch, results)

    def _hand_out(self, batch: Batch, results: list[Any]) -> None:
        if self._on_answer is not None:
            self._on_answer()
        for (_, _, future), result in zip(batch, results, strict=True):
            if future.done():  # the caller gave up waiting
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    def _payload(self, batch: Batch) -> bytes:
        return b"".join(command((*self._evalsha, len(keys), *keys, *args)) for keys, args, _ in batch)

    async def _run(self, batch: Batch) -> list[Any]:
        """Write every call at once, then read the answers in order (an error reply is that call's own)."""
        payload = self._payload(batch)
        if self._lean is not None:
            return await self._lean.call(payload, len(batch))
        pool = self._redis.connection_pool
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            await connection.send_packed_command(payload)
            results: list[Any] = []
            for _ in batch:
                try:
                    results.append(await connection.read_response())
                except ResponseError as error:  # one call's error; the connection is still in step
                    results.append(error)
            return results
        except BaseException:
            await connection.disconnect()  # answers may still be in flight: never reuse this socket
            raise
        finally:
            await pool.release(connection)


def _fail(batch: Batch, error: BaseException) -> None:
    for _, _, future in batch:
        if not future.done():
            future.set_exception(error)


def _cancel(batch: Batch) -> None:
    for _, _, future in batch:
        future.cancel()


def _retrieve(task: asyncio.Task[None]) -> None:
    if not task.cancelled():
        task.exception()  # errors were handed to the callers; keep asyncio from reporting them again
