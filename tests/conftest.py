from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from bot.store.base import Store
from bot.store.memory import MemoryStore
from bot.store.redis import RedisStore
from tests.fake_wecom import FakeWeCom
from tests.fault_kit import BotProcess, RedisProcess, need_redis_server

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


# -- the fault suite: its own redis-server and `siyu serve` subprocesses --------------------------
@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    need_redis_server()
    server = RedisProcess(tmp_path / "redis")
    server.start()
    yield server
    server.kill()


@pytest.fixture
def bots(tmp_path: Path, fake: FakeWeCom) -> Iterator[Callable[..., BotProcess]]:
    """Make `siyu serve` processes against the fake WeCom; all are killed at the end of the test."""
    made: list[BotProcess] = []

    def make(redis_url: str, env: dict[str, str] | None = None, **options: Any) -> BotProcess:
        bot = BotProcess(tmp_path / f"bot{len(made)}", redis_url, fake.base_url, env, **options)
        made.append(bot)
        return bot

    yield make
    for bot in made:
        bot.kill()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the bundled content (without its tests) that a test may edit."""
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(Path(__file__).resolve().parent.parent / folder, root / folder,
                        ignore=shutil.ignore_patterns("tests"))
    return root
