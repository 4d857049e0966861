"""Concurrent callbacks share one Redis pipeline per loop tick, and keep their own answers.

These tests run against a redis-server of their own (started here, on a free port), because they flush
scripts, freeze and kill it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiohttp.test_utils import TestClient
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.app import build_app
from bot.store.redis import COMMAND_TIMEOUT_S, RedisStore
from tests.gateway_kit import EchoConversation, settings
from tests.wecom import callback, text_message


@dataclass
class OwnRedis:
    port: int
    folder: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        os.kill(self.process.pid, number)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = OwnRedis(port, tmp_path)
    server.start()
    yield server
    if server.process is not None:
        server.signal(signal.SIGCONT)
    server.stop()


@pytest.fixture
async def store(own_redis: OwnRedis) -> AsyncIterator[RedisStore]:
    backend = RedisStore(own_redis.url)
    await backend.ensure_group("s", "g")
    yield backend
    await backend.close()


async def connected_clients(url: str) -> int:
    probe = aioredis.Redis.from_url(url)
    try:
        return len(await probe.client_list()) - 1
    finally:
        await probe.aclose()


async def test_two_hundred_concurrent_enqueues_share_a_connection_and_get_their_own_ids(
        store: RedisStore, own_redis: OwnRedis) -> None:
    before = await connected_clients(own_redis.url)  # the pooled connection that created the group
    ids = await asyncio.gather(*(store.enqueue_once(f"seen:{n}", 60_000, "s", {"n": str(n)}) for n in range(200)))
    assert all(ids) and len(set(ids)) == 200
    assert await connected_clients(own_redis.url) == before + 1  # one pipeline, not one connection per callback
    assert await store.backlog("s", "g") == 200
    entries = await store.read_group("s", "g", "c", 500, 0)
    assert [e.fields["n"] for e in entries] == [str(n) for n in range(200)]  # in call order


async def test_duplicates_inside_one_batch_are_enqueued_once(store: RedisStore) -> None:
    calls = [store.enqueue_once(f"seen:{n % 50}", 60_000, "s", {"n": str(n)}) for n in range(150)]
    ids = await asyncio.gather(*calls)
    assert sum(1 for i in ids if i) == 50
    assert ids[:50] == [i for i in ids if i]  # the first of each key wins, the later copies are duplicates
    assert await store.backlog("s", "g") == 50


async def test_scripts_flushed_on_the_server_are_loaded_again(store: RedisStore, own_redis: OwnRedis) -> None:
    assert await store.enqueue_once("seen:a", 60_000, "s", {"n": "a"})
    probe = aioredis.Redis.from_url(own_redis.url)
    await probe.script_flush()
    await probe.aclose()
    ids = await asyncio.gather(*(store.enqueue_once(f"seen:{n}", 60_000, "s", {"n": str(n)}) for n in range(20)))
    assert all(ids)
    assert await store.enqueue_once("seen:a", 60_000, "s", {"n": "a"}) is None


async def test_a_caller_that_gives_up_does_not_disturb_the_others(store: RedisStore, own_redis: OwnRedis) -> None:
    assert await store.enqueue_once("seen:warm", 60_000, "s", {"n": "warm"})
    own_redis.signal(signal.SIGSTOP)  # frozen: the batch waits for its answers
    tasks = [asyncio.create_task(store.enqueue_once(f"seen:{n}", 60_000, "s", {"n": str(n)})) for n in range(10)]
    await asyncio.sleep(0)
    for task in tasks[::2]:
        task.cancel()
    own_redis.signal(signal.SIGCONT)
    done = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, asyncio.CancelledError) for result in done[::2])
    assert all(isinstance(result, str) for result in done[1::2])
    assert await store.backlog("s", "g") == 11  # a cancelled caller's callback may still be queued: never lost


async def test_callbacks_answer_503_while_redis_is_down_and_200_once_it_is_back(
        own_redis: OwnRedis, aiohttp_client: Any) -> None:
    store = RedisStore(own_redis.url)
    app = build_app(settings("http://127.0.0.1:9", own_redis.url), lambda _: EchoConversation(), store=store,
                    workers=0)
    client: TestClient = await aiohttp_client(app)

    async def post_all(first: int) -> list[int]:
        async def one(n: int) -> int:
            query, body = callback(text_message("u", f"hi {n}", str(n)))
            return (await client.post("/wecom/callback", params=query, data=body)).status
        return list(await asyncio.gather(*(one(n) for n in range(first, first + 40))))

    assert await post_all(0) == [200] * 40
    own_redis.stop()
    assert await post_all(100) == [503] * 40  # WeCom retries these later
    own_redis.start()
    for _ in range(50):  # the pool reconnects on its own
        if await post_all(100) == [200] * 40:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("callbacks were not accepted again after Redis came back")
    probe = aioredis.Redis.from_url(own_redis.url)
    assert sum([await probe.xlen(f"siyu:q:{p}") for p in range(16)]) == 40  # each retried callback once
    await probe.aclose()
    await store.close()


async def test_a_frozen_redis_fails_the_batch_with_a_timeout_and_the_next_call_connects_again(
        store: RedisStore, own_redis: OwnRedis) -> None:
    assert await store.enqueue_once("seen:warm", 60_000, "s", {"n": "warm"})
    own_redis.signal(signal.SIGSTOP)
    started = time.monotonic()
    results = await asyncio.gather(*(store.enqueue_once(f"seen:{n}", 60_000, "s", {"n": str(n)}) for n in range(5)),
                                   return_exceptions=True)
    waited = time.monotonic() - started
    own_redis.signal(signal.SIGCONT)
    assert all(isinstance(result, RedisTimeoutError) for result in results)
    assert COMMAND_TIMEOUT_S <= waited < COMMAND_TIMEOUT_S + 1.5
    assert await store.enqueue_once("seen:after", 60_000, "s", {"n": "after"})  # a fresh connection


async def test_batches_go_to_the_database_of_the_url(own_redis: OwnRedis) -> None:
    store = RedisStore(own_redis.url.removesuffix("/0") + "/3")
    try:
        assert await store.enqueue_once("seen:db3", 60_000, "s3", {"n": "1"})
    finally:
        await store.close()
    for db, expected in ((3, 1), (0, 0)):
        probe = aioredis.Redis.from_url(own_redis.url.removesuffix("/0") + f"/{db}")
        assert await probe.xlen("s3") == expected
        await probe.aclose()


def test_a_store_used_from_a_second_event_loop_connects_again(own_redis: OwnRedis) -> None:
    store = RedisStore(own_redis.url)

    async def enqueue(n: int) -> str | None:
        return await store.enqueue_once(f"seen:loop{n}", 60_000, "s", {"n": str(n)})

    assert asyncio.run(enqueue(1)) and asyncio.run(enqueue(2))  # the first loop's connection ended with it
    asyncio.run(store.close())
