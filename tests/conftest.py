from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.redis import RedisStore
from tests.fake_wecom import FakeWeCom

TEST_REDIS_URL = os.environ.get("SIYU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _fresh_redis() -> RedisStore:
    raw = aioredis.Redis.from_url(TEST_REDIS_URL)
    try:
        await raw.flushdb()
    finally:
        await raw.aclose()
    return RedisStore(TEST_REDIS_URL)


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """Every test that takes `store` runs against both backends."""
    backend: Store = MemoryStore() if request.param == "memory" else await _fresh_redis()
    yield backend
    await backend.close()


@pytest.fixture
async def redis_store() -> AsyncIterator[RedisStore]:
    backend = await _fresh_redis()
    yield backend
    await backend.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeWeCom]:
    """A fake WeCom API server on loopback that records calls and injects errors."""
    server = FakeWeCom()
    await server.start()
    yield server
    await server.stop()
