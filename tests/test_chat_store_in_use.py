"""`siyu chat --store` refuses the store a running `siyu serve` uses (attack14).

`siyu chat --store $REDIS_URL` typed with the production address (README: "use a database of its own") wrote
the test conversation into the bot's store: the test customer joined the funnel `siyu report` shows, and her
follow-up plan went into the shared due set, which the running bot's follow-up pump then took up and
rescheduled. A store whose workers beat within the last seconds is now refused with one line; the password
of the address typed is never printed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import time

from bot.gateway.worker import WORKERS_KEY
from bot.store.base import Store
from tests.cli_kit import run_siyu
from tests.conftest import TEST_REDIS_URL


def siyu(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    return run_siyu(*args, env={**env, "SIYU_BURST_WINDOW": "0"}, input=stdin)


async def test_a_store_a_running_bot_uses_is_refused(redis_store: Store) -> None:
    await redis_store.hset(WORKERS_KEY, {"w-123-abcd": f"{time.time():.3f}"})
    result = await asyncio.to_thread(siyu, "chat", "--store", TEST_REDIS_URL, "--customer", "wmTry", stdin="你好\n")
    assert result.returncode == 2, result.stdout
    assert "siyu serve" in result.stderr and "单独的库" in result.stderr
    assert await redis_store.scan("*wmTry*") == []  # nothing was written


async def test_a_store_whose_bot_stopped_long_ago_is_taken(redis_store: Store) -> None:
    await redis_store.hset(WORKERS_KEY, {"w-123-abcd": f"{time.time() - 3600:.3f}"})
    result = await asyncio.to_thread(siyu, "chat", "--store", TEST_REDIS_URL, "--customer", "wmTry", stdin="你好\n")
    assert result.returncode == 0, result.stderr


def test_the_password_of_a_store_that_does_not_answer_is_not_printed() -> None:
    result = siyu("chat", "--store", "redis://:hunter2@127.0.0.1:1/0")
    assert result.returncode == 2 and "hunter2" not in result.stderr + result.stdout


async def test_the_refusal_suggests_an_empty_database_that_no_doc_gives_serve(redis_store: Store) -> None:
    """trial15: it said 「把 /0 换成 /9」 whatever was typed, and /9 is the db docs/operations.md runs siyu serve on."""
    from bot.tools.chat_store import free_database

    url = TEST_REDIS_URL.rsplit("/", 1)[0]
    free = await free_database(f"{url}/1")
    assert free is None or (free.rsplit("/", 1)[1] not in ("0", "1", "9", "15") and free.startswith(url)), free
    await redis_store.hset(WORKERS_KEY, {"w-123-abcd": f"{time.time():.3f}"})
    result = await asyncio.to_thread(siyu, "chat", "--store", TEST_REDIS_URL, "--customer", "wmTry", stdin="你好\n")
    assert result.returncode == 2 and "换成 /9" not in result.stderr and "别用 /9" in result.stderr, result.stderr


def test_a_wrong_store_address_names_the_flag() -> None:
    result = siyu("chat", "--store", "redis://127.0.0.1:6379/11x")
    assert result.returncode == 2 and "siyu chat --store: Redis 地址写得不对" in result.stderr, result.stderr
