"""Redis backend: the shared state of every siyu-bot process serving one brand."""

from __future__ import annotations

from typing import Any, cast

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from bot.store.base import Entry, Store

# SET NX then XADD in one step, so a retried callback can never be marked seen without being queued.
_ENQUEUE_ONCE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_INCR = """
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v == tonumber(ARGV[1]) and tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
"""
_WINDOW_ADD = """
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[2]) - tonumber(ARGV[3]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return redis.call('ZCARD', KEYS[1])
"""
STREAM_MAXLEN = 200_000


def _entries(raw: Any) -> list[Entry]:
    return [Entry(entry_id, dict(fields)) for entry_id, fields in raw if fields is not None]


class RedisStore(Store):
    def __init__(self, url: str) -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(
            url, decode_responses=True, health_check_interval=30
        )
        self._enqueue_once = self._redis.register_script(_ENQUEUE_ONCE)
        self._renew = self._redis.register_script(_RENEW)
        self._release = self._redis.register_script(_RELEASE)
        self._incr = self._redis.register_script(_INCR)
        self._window_add = self._redis.register_script(_WINDOW_ADD)

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()

    async def get(self, key: str) -> str | None:
        return cast(str | None, await self._redis.get(key))

    async def set(self, key: str, value: str, *, ttl_ms: int | None = None, nx: bool = False) -> bool:
        return bool(await self._redis.set(key, value, px=ttl_ms, nx=nx))

    async def delete(self, *keys: str) -> int:
        return int(await self._redis.delete(*keys)) if keys else 0

    async def incr(self, key: str, amount: int = 1, *, ttl_ms: int | None = None) -> int:
        return int(await self._incr(keys=[key], args=[amount, ttl_ms or 0]))

    async def acquire(self, key: str, owner: str, ttl_ms: int) -> bool:
        return bool(await self._redis.set(key, owner, px=ttl_ms, nx=True))

    async def renew(self, key: str, owner: str, ttl_ms: int) -> bool:
        return bool(await self._renew(keys=[key], args=[owner, ttl_ms]))

    async def release(self, key: str, owner: str) -> bool:
        return bool(await self._release(keys=[key], args=[owner]))

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

    async def enqueue_once(
        self, dedup_key: str, dedup_ttl_ms: int, stream: str, fields: dict[str, str]
    ) -> str | None:
        flat: list[str] = [part for item in fields.items() for part in item]
        result = await self._enqueue_once(keys=[dedup_key, stream], args=[dedup_ttl_ms, STREAM_MAXLEN, *flat])
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
        raw = cast(list[tuple[str, list[Any]]], await self._redis.xreadgroup(
            group, consumer, {stream: ">"}, count=count, block=block_ms))
        return [entry for _, entries in raw or [] for entry in _entries(entries)]

    async def claim_pending(self, stream: str, group: str, consumer: str, count: int) -> list[Entry]:
        claimed: list[Entry] = []
        cursor = "0-0"
        while len(claimed) < count:
            next_cursor, entries, *_ = await self._redis.xautoclaim(
                stream, group, consumer, min_idle_time=0, start_id=cursor, count=count - len(claimed)
            )
            claimed.extend(_entries(entries))
            if next_cursor in ("0-0", b"0-0"):
                break
            cursor = next_cursor
        return claimed

    async def ack(self, stream: str, group: str, *ids: str) -> int:
        return int(await self._redis.xack(stream, group, *ids)) if ids else 0

    async def backlog(self, stream: str, group: str) -> int:
        try:
            groups = await self._redis.xinfo_groups(stream)
        except ResponseError:
            return 0
        for info in groups:
            if info.get("name") == group:
                lag = info.get("lag")
                return int(info.get("pending", 0)) + (int(lag) if lag is not None else 0)
        return 0
