"""Choose the store from configuration."""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.store.base import Store


def db_problem(url: str) -> str | None:
    """Why the database in a redis:// URL cannot be read, or None. redis-py reads `/0x` or `/nine` as no
    database at all, db 0: on a shared Redis one typo put the queue, sessions and profiles into another
    application's database."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return None
    db = parts.path.strip("/")
    if db and not (db.isascii() and db.isdigit()):
        return f"端口后面的库号要是整数（如 redis://127.0.0.1:6379/0），现在是 {parts.path!r}"
    return None


def open_store(redis_url: str | None, *, pool_size: int = 64) -> Store:
    if redis_url:
        from bot.store.redis import RedisStore

        problem = db_problem(redis_url)
        if problem:  # the wording the commands catch for a Redis URL they cannot read
            raise ValueError(f"Redis URL 的{problem}")
        return RedisStore(redis_url, pool_size=pool_size)
    from bot.store.memory import MemoryStore

    return MemoryStore()
