"""Choose the store from configuration."""

from __future__ import annotations

from bot.store.base import Store


def open_store(redis_url: str | None, *, pool_size: int = 64) -> Store:
    if redis_url:
        from bot.store.redis import RedisStore

        return RedisStore(redis_url, pool_size=pool_size)
    from bot.store.memory import MemoryStore

    return MemoryStore()
