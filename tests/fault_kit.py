"""The fault suite's tools: a private redis-server, `siyu serve` as a real subprocess, callbacks sent the way
WeCom sends them (5 s deadline, three tries), and a ledger of which customer message got how many replies.

Nothing here touches the shared Redis: every test that needs to kill, flush or freeze Redis gets its own
redis-server on a free port in a temporary folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import redis.asyncio as aioredis

from tests.fake_wecom import FakeWeCom
from tests.wecom import AES_KEY, CORP_ID, TOKEN, callback, event

ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
WECOM_DEADLINE_S = 5.0  # WeCom drops a callback connection after 5 s and retries, three times in all


def need_redis_server() -> None:
    if not Path(REDIS_SERVER).exists():
        import pytest

        pytest.skip("the fault suite starts a redis-server of its own: install redis-server (.ci/run does)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until(check: Callable[[], Awaitable[bool]] | Callable[[], bool], within: float = 20.0,
                what: str = "condition") -> None:
    """Wait for a condition (never for a fixed time); `within` only bounds a hung test."""
    deadline = time.monotonic() + within
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {within} s")
        await asyncio.sleep(0.05)


class RedisProcess:
    """A redis-server of the test's own; `persistent` turns on AOF with fsync every second."""

    def __init__(self, folder: Path, *, persistent: bool = False, options: tuple[str, ...] = ()) -> None:
        self.folder = folder
        self.persistent = persistent
        self.options = options  # more redis-server arguments (--rename-command CONFIG "" as managed Redis does)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                "--save", "", "--logfile", str(self.folder / "redis.log")]
        args += ["--appendonly", "yes", "--appendfsync", "everysec"] if self.persistent else ["--appendonly", "no"]
        args += self.options
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("private redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGCONT)
                self.process.kill()
            self.process.wait(10)
            self.process = None

    def restart_empty(self) -> None:
        """A restart without persistence: every key is gone, as after a failover to an empty replica."""
        self.kill()
        self.start()

    def freeze(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def client(self) -> aioredis.Redis:
        return aioredis.Redis.from_url(self.url, decode_responses=True)


def _limit_files(limit: int) -> Callable[[], None]:
    def apply() -> None:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))

    return apply


class BotProcess:
    """`siyu serve` exactly as an operator starts it, with its log in a file."""

    def __init__(self, folder: Path, redis_url: str, api_base: str, env: dict[str, str] | None = None,
                 *, open_files: int | None = None) -> None:
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.open_files = open_files
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
        self.env.update(WECOM_CORP_ID=CORP_ID, WECOM_TOKEN=TOKEN, WECOM_AES_KEY=AES_KEY, WECOM_SECRET="test-secret",
                        WECOM_AGENT_ID="1000002", WECOM_API_BASE=api_base, REDIS_URL=redis_url,
                        SIYU_CONTENT=str(ROOT), SIYU_HOST="127.0.0.1", SIYU_PORT=str(self.port),
                        SIYU_BURST_WINDOW="0", PYTHONUNBUFFERED="1")
        self.env.update(env or {})
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0
        self.logs: list[Path] = []

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.runs += 1
        log = self.folder / f"bot-{self.port}-{self.runs}.log"
        self.logs.append(log)
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "serve"], cwd=self.folder, env=self.env, stdout=out,
                stderr=subprocess.STDOUT, preexec_fn=_limit_files(self.open_files) if self.open_files else None)

    async def started(self, within: float = 30.0) -> None:
        async def healthy() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"siyu serve exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
            return await self.health() == 200

        await until(healthy, within, "siyu serve answering /healthz")

    async def health(self, wait: float = 2.0) -> int:
        try:
            async with aiohttp.ClientSession() as http, http.get(
                    f"{self.base}/healthz", timeout=aiohttp.ClientTimeout(total=wait)) as response:
                return response.status
        except (aiohttp.ClientError, TimeoutError):
            return 0

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log_text(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self.logs if path.exists())

    def log_lines(self) -> list[str]:
        """The log without its per-event traffic lines (`siyu.traffic`: one per inbound event and per reply
        batch by design, docs/operations.md): log amplification is about everything else."""
        return [line for line in self.log_text().splitlines() if " siyu.traffic: " not in line]


async def partition_owners(redis: RedisProcess) -> dict[int, str]:
    """Which worker (its id names the process: w-<pid>-...) holds each partition's lease."""
    client = redis.client()
    try:
        return {p: owner for p in range(16) if (owner := await client.get(f"siyu:part:{p}:lease"))}
    finally:
        await client.aclose()


def owner_of(bots: list[BotProcess], owner: str) -> BotProcess:
    for bot in bots:
        if bot.process is not None and owner.startswith(f"w-{bot.process.pid}-"):
            return bot
    raise AssertionError(f"no bot runs worker {owner}")


@dataclass
class Outcome:
    statuses: list[int] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return 200 in self.statuses


async def post_once(http: aiohttp.ClientSession, base: str, plaintext: str, *,
                    wait: float = WECOM_DEADLINE_S) -> tuple[int, float]:
    query, body = callback(plaintext)
    started = time.monotonic()
    try:
        async with http.post(f"{base}/wecom/callback", params=query, data=body,
                             timeout=aiohttp.ClientTimeout(total=wait)) as response:
            await response.read()
            return response.status, time.monotonic() - started
    except (aiohttp.ClientError, TimeoutError):
        return 0, time.monotonic() - started


async def post_like_wecom(http: aiohttp.ClientSession, base: str, plaintext: str, *, tries: int = 3,
                          pause: float = 0.5) -> Outcome:
    """WeCom's delivery: up to three tries, each with a 5 s deadline, until one gets a 200."""
    outcome = Outcome()
    for attempt in range(tries):
        status, seconds = await post_once(http, base, plaintext)
        outcome.statuses.append(status)
        outcome.seconds.append(seconds)
        if status == 200:
            break
        if attempt + 1 < tries:
            await asyncio.sleep(pause)
    return outcome


def kf_notice(token: str, open_kfid: str = "wk1") -> str:
    return event("kf_msg_or_event", Token=token, OpenKfId=open_kfid)


@dataclass
class Ledger:
    """Customer messages written to the fake WeCom and the replies they got (one reply expected each)."""

    fake: FakeWeCom
    customers: list[str] = field(default_factory=list)

    def write(self, customer: str, text: str = "包邮吗", open_kfid: str = "wk1", send_time: int | None = None) -> None:
        self.customers.append(customer)
        self.fake.add_kf_message(open_kfid, customer, text, send_time=send_time)

    def replies(self, customer: str) -> int:
        return len([d for d in self.fake.delivered_to(customer) if d["endpoint"] == "kf/send_msg"])

    def answered(self, customers: list[str] | None = None) -> int:
        return sum(1 for c in customers or self.customers if self.replies(c) >= 1)

    def duplicates(self, customers: list[str] | None = None) -> int:
        return sum(max(0, self.replies(c) - 1) for c in customers or self.customers)

    def lost(self, customers: list[str] | None = None) -> int:
        return sum(1 for c in customers or self.customers if self.replies(c) == 0)

    def summary(self, customers: list[str] | None = None) -> dict[str, int]:
        chosen = customers or self.customers
        return {"messages": len(chosen), "answered": self.answered(chosen), "duplicates": self.duplicates(chosen),
                "lost": self.lost(chosen)}


async def redis_values(client: aioredis.Redis) -> dict[str, Any]:
    """Every key and its value, for privacy checks."""
    found: dict[str, Any] = {}
    async for key in client.scan_iter(count=1000):
        kind = await client.type(key)
        if kind == "string":
            found[key] = await client.get(key)
        elif kind == "hash":
            found[key] = await client.hgetall(key)
        elif kind == "list":
            found[key] = await client.lrange(key, 0, -1)
        elif kind == "zset":
            found[key] = await client.zrange(key, 0, -1)
        elif kind == "stream":
            found[key] = await client.xrange(key)
    return found


@contextlib.contextmanager
def more_open_files(wanted: int) -> Any:
    """The test process itself needs a file per client connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, wanted))
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    try:
        yield target
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
