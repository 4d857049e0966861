"""Redis backend: the shared state of every siyu-bot process serving one brand.

Two connection pools, both blocking (a caller waits for a free connection instead of failing at once):
one for ordinary commands, one for the workers' blocking stream reads, so that reads parked for a second
never starve the callbacks. Every command has a socket timeout, so a frozen Redis surfaces as an error
instead of a hang; callers with a tighter deadline (the callback endpoint) add their own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, cast

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.store.base import Entry, GroupMissing, Store, Writes
from bot.store.coalesce import CoalescedScript
from bot.store.lean import LeanConnection
from bot.store.redis_scripts import ENQUEUE_ONCE, INCR, RELEASE, RENEW, WINDOW_ADD, XDEL_ACKED
from bot.store.turn_scripts import APPLY, COMMIT_AND_RELEASE, LOCK_AND_GET, commit_arguments, lock_reply

COMMAND_TIMEOUT_S = 2.0  # a Redis that has not answered in 2 s is treated as down
POOL_WAIT_S = 4.0  # how long a command may wait for a free connection (callbacks have their own deadline)
BLOCKING_READ_TIMEOUT_S = 10.0  # longer than any XREADGROUP BLOCK the workers use


class _Timed(aioredis.Redis):
    """Remembers when Redis last answered a command."""

    last_answer = 0.0

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        result = await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        self.last_answer = time.monotonic()
        return result


def _entries(raw: Any) -> list[Entry]:
    return [Entry(entry_id, dict(fields)) for entry_id, fields in raw if fields is not None]


def _id_tuple(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _missing_group(error: ResponseError) -> bool:
    # NOGROUP: no such stream or group; UNBLOCKED: the stream vanished while a read waited on it (FLUSHDB)
    return str(error).startswith(("NOGROUP", "UNBLOCKED"))


class RedisStore(Store):
    unavailable = (*Store.unavailable, RedisConnectionError, RedisTimeoutError)

    def __init__(self, url: str, *, pool_size: int = 64, blocking_readers: int = 20) -> None:
        options: dict[str, Any] = {
            "decode_responses": True,
            # a value that is not UTF-8 (written by another tool) reads with U+FFFD: raising, it failed the
            # call for good and (on the lean connection) dropped the connection with every batch on it
            "encoding_errors": "replace",
            "socket_connect_timeout": 1.0,
            "health_check_interval": 30,
            "retry": Retry(NoBackoff(), 1),  # one reconnect: a restarted Redis is used at once
        }
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=pool_size, timeout=POOL_WAIT_S, socket_timeout=COMMAND_TIMEOUT_S, **options)
        readers = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=blocking_readers, timeout=BLOCKING_READ_TIMEOUT_S,
            socket_timeout=BLOCKING_READ_TIMEOUT_S, **options)
        self._redis = _Timed(connection_pool=pool)
        self._readers: aioredis.Redis = aioredis.Redis(connection_pool=readers)
        # concurrent callbacks share a pipeline; the engine's turn scripts take the same lean path
        self._lean = LeanConnection.for_client(self._redis)
        self._enqueue_once = self._batched(ENQUEUE_ONCE)
        self._renew = self._redis.register_script(RENEW)
        self._release = self._redis.register_script(RELEASE)
        self._incr = self._redis.register_script(INCR)
        self._xdel_acked = self._redis.register_script(XDEL_ACKED)
        self._window_add = self._redis.register_script(WINDOW_ADD)
        self._lock_and_get = self._batched(LOCK_AND_GET)
        self._commit_and_release = self._batched(COMMIT_AND_RELEASE)
        self._apply = self._batched(APPLY)

    def _batched(self, source: str) -> CoalescedScript:
        return CoalescedScript(self._redis, source, on_answer=self._answered, lean=self._lean)

    def _answered(self) -> None:
        self._redis.last_answer = time.monotonic()  # the batched path bypasses _Timed.execute_command

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def config_value(self, name: str) -> str | None:
        """A server setting (CONFIG GET), or None where CONFIG is refused or renamed (managed Redis)."""
        try:
            values = await self._redis.config_get(name)
        except ResponseError:
            return None
        value = values.get(name)
        return None if value is None else str(value)

    def answered_within(self, seconds: float) -> bool:
        return time.monotonic() - self._redis.last_answer < seconds

    async def close(self) -> None:
        if self._lean is not None:
            await self._lean.close()
        await self._redis.aclose()
        await self._readers.aclose()

    async def get(self, key: str) -> str | None:
        return cast(str | None, await self._redis.get(key))

    async def set(self, key: str, value: str, *, ttl_ms: int | None = None, nx: bool = False) -> bool:
        return bool(await self._redis.set(key, value, px=ttl_ms, nx=nx))

    async def delete(self, *keys: str) -> int:
        return int(await self._redis.delete(*keys)) if keys else 0

    async def incr(self, key: str, amount: int = 1, *, ttl_ms: int | None = None) -> int:
        return int(await self._incr(keys=[key], args=[amount, ttl_ms or 0]))

    async def scan(self, pattern: str) -> list[str]:
        return [str(key) async for key in self._redis.scan_iter(match=pattern, count=1000)]

    async def acquire(self, key: str, owner: str, ttl_ms: int) -> bool:
        return bool(await self._redis.set(key, owner, px=ttl_ms, nx=True))

    async def renew(self, key: str, owner: str, ttl_ms: int) -> bool:
        return bool(await self._renew(keys=[key], args=[owner, ttl_ms]))

    async def release(self, key: str, owner: str) -> bool:
        return bool(await self._release(keys=[key], args=[owner]))

    async def lock_and_get_many(self, lock: str, owner: str, ttl_ms: int,
                                keys: Sequence[str]) -> tuple[bool, list[str | None]]:
        return lock_reply(await self._lock_and_get([lock, *keys], [owner, ttl_ms]), len(keys))

    async def commit_and_release(self, lock: str, owner: str, writes: Writes) -> bool:
        keys, args = commit_arguments(lock, owner, writes)
        return bool(await self._commit_and_release(keys, args))

    async def apply(self, writes: Writes) -> None:
        if writes:
            keys, args = commit_arguments("siyu:apply", "", writes)  # a placeholder lease, never read
            await self._apply(keys, args)

    async def hgetall(self, key: str) -> dict[str, str]:
        return cast(dict[str, str], await self._redis.hgetall(key))

    async def hset(self, key: str, mapping: dict[str, str], *, ttl_ms: int | None = None) -> None:
        if ttl_ms is None:
            await self._redis.hset(key, mapping=mapping)  # type: ignore[arg-type]
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
            pipe.pexpire(key, ttl_ms)
            await pipe.execute()

    async def hincrby(self, key: str, field: str, amount: int = 1) -> int:
        return int(await self._redis.hincrby(key, field, amount))

    async def hdel(self, key: str, *fields: str) -> int:
        return int(await self._redis.hdel(key, *fields)) if fields else 0

    async def zadd(self, key: str, member: str, score: float) -> None:
        await self._redis.zadd(key, {member: score})

    async def zrem(self, key: str, member: str) -> bool:
        return bool(await self._redis.zrem(key, member))

    async def zdue(self, key: str, max_score: float, limit: int) -> list[tuple[str, float]]:
        raw = cast(list[tuple[str, float]], await self._redis.zrangebyscore(
            key, "-inf", max_score, start=0, num=limit, withscores=True))
        return [(str(member), float(score)) for member, score in raw]

    async def window_add(self, key: str, member: str, now_ms: int, window_ms: int) -> int:
        return int(await self._window_add(keys=[key], args=[member, now_ms, window_ms]))

    async def lpush_capped(self, key: str, value: str, maxlen: int) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, value)
            pipe.ltrim(key, 0, maxlen - 1)
            await pipe.execute()

    async def lrange(self, key: str, start: int, stop: int) -> list[str]:
        return cast(list[str], await self._redis.lrange(key, start, stop))

    async def lrem(self, key: str, value: str) -> int:
        return int(await self._redis.lrem(key, 0, value))

    async def ltrim(self, key: str, start: int, stop: int) -> None:
        await self._redis.ltrim(key, start, stop)

    async def enqueue_once(
        self, dedup_key: str, dedup_ttl_ms: int, stream: str, fields: dict[str, str]
    ) -> str | None:
        flat: list[str] = [part for item in fields.items() for part in item]
        result = await self._enqueue_once([dedup_key, stream], [dedup_ttl_ms, *flat])
        return cast(str | None, result or None)

    async def ensure_group(self, stream: str, group: str) -> None:
        try:
            await self._redis.xgroup_create(stream, group, id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def read_group(
        self, stream: str, group: str, consumer: str, count: int, block_ms: int
    ) -> list[Entry]:
        try:
            raw = cast(list[tuple[str, list[Any]]], await self._readers.xreadgroup(
                group, consumer, {stream: ">"}, count=count, block=block_ms))
        except ResponseError as error:
            if _missing_group(error):
                raise GroupMissing(f"{stream}/{group}") from error
            raise
        return [entry for _, entries in raw or [] for entry in _entries(entries)]

    async def claim_pending(self, stream: str, group: str, consumer: str, count: int) -> list[Entry]:
        claimed: list[Entry] = []
        cursor = "0-0"
        while len(claimed) < count:
            try:
                next_cursor, entries, *_ = await self._redis.xautoclaim(
                    stream, group, consumer, min_idle_time=0, start_id=cursor, count=count - len(claimed)
                )
            except ResponseError as error:
                if _missing_group(error):
                    raise GroupMissing(f"{stream}/{group}") from error
                raise
            claimed.extend(_entries(entries))
            if next_cursor in ("0-0", b"0-0"):
                break
            cursor = next_cursor
        return claimed

    async def ack(self, stream: str, group: str, *ids: str) -> int:
        return int(await self._redis.xack(stream, group, *ids)) if ids else 0

    async def backlog(self, stream: str, group: str) -> int:
        info = await self._group_info(stream, group)
        if info is None:
            return 0
        lag = info.get("lag")
        if lag is None:  # Redis cannot tell after deletions: count what follows the last delivered entry
            last = str(info.get("last-delivered-id", "0-0"))
            lag = len(await self._redis.xrange(stream, min=f"({last}", max="+", count=100_000) or [])
        return int(info.get("pending", 0)) + int(lag)

    async def _group_info(self, stream: str, group: str) -> dict[str, Any] | None:
        try:
            groups = await self._redis.xinfo_groups(stream)
        except ResponseError:
            return None
        return next((info for info in groups if info.get("name") == group), None)

    async def xrange(self, stream: str, after: str = "", count: int = 500) -> list[Entry]:
        start = f"({after}" if after else "-"
        return _entries(await self._redis.xrange(stream, min=start, max="+", count=count))

    async def xdel(self, stream: str, *ids: str) -> int:
        if not ids:
            return 0
        try:
            return int(await self._xdel_acked(keys=[stream], args=list(ids)))
        except ResponseError:
            return 0  # no such stream

    async def trim_acked(self, stream: str, group: str, before_ms: int) -> int:
        info = await self._group_info(stream, group)
        if info is None:
            return 0
        cutoff = min(_id_tuple(str(info.get("last-delivered-id", "0-0"))), (before_ms, 0))
        pending = await self._redis.xpending(stream, group)
        if pending and int(pending.get("pending", 0)) > 0 and pending.get("min"):
            cutoff = min(cutoff, _id_tuple(str(pending["min"])))
        if cutoff <= (0, 0):
            return 0
        return int(await self._redis.xtrim(stream, minid=f"{cutoff[0]}-{cutoff[1]}", approximate=False))
