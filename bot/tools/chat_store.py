"""`siyu chat --store URL`: the conversation, the profile, the policy's decisions and the funnel go to that Redis, so
`siyu profile / why / report` can be tried without WeCom, on a store of its own: a store a running `siyu serve`
uses is refused (the test customer would join its funnel, and its follow-up pump would take her plan up)."""

from __future__ import annotations

import argparse
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from bot.engine.library import Library
from bot.gateway.worker import WORKERS_KEY
from bot.logging_setup import redact_url
from bot.store.base import Store

DOCS_SERVE_DB = 9  # docs/operations.md runs siyu serve on redis://127.0.0.1:6379/9
AVOID = "别用 /9（docs/operations.md 里 siyu serve 用它）和 /15（测试会清空它）"
RUNNING_WITHIN_S = 30.0  # a worker beats every half second; one this recent belongs to a running siyu serve


async def bot_runs_on(store: Store, now: float) -> bool:
    beats = await store.hgetall(WORKERS_KEY)
    for beat in beats.values():
        try:
            if now - float(beat) < RUNNING_WITHIN_S:
                return True
        except ValueError:
            continue
    return False


async def free_database(url: str) -> str | None:
    """The same Redis at the first database (1–14) that holds no key now, other than `url`'s and than /9, the one
    docs/operations.md gives siyu serve (/0 is README's, /15 the tests flush); None when none is, or Redis says no."""
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        return None
    current = parts.path.strip("/") or "0"
    for number in range(1, 15):
        if number == DOCS_SERVE_DB or str(number) == current:
            continue
        candidate = urlunsplit(parts._replace(path=f"/{number}"))
        client = aioredis.Redis.from_url(candidate)
        try:
            if await client.dbsize() == 0:
                return candidate
        except (RedisError, OSError):
            return None
        finally:
            await client.aclose()
    return None


async def chat_on_store(library: Library, args: argparse.Namespace, window: float, hold: float, piped: bool) -> int:
    from bot.funnel.recorder import FunnelMetrics, FunnelRecorder
    from bot.metrics import Metrics
    from bot.store.factory import open_store
    from bot.tools.chat import run_chat
    from bot.tools.simulator import Simulator

    store = open_store(args.store)
    try:
        try:
            answering = await store.ping()
        except store.unavailable:
            answering = False
        if not answering:
            print(f"siyu chat --store: Redis 不应答（{redact_url(args.store)}）", file=sys.stderr)
            return 2
        if await bot_runs_on(store, time.time()):
            free = await free_database(args.store)
            other = f"如 {redact_url(free)}，现在是空的" if free else "换一个空的库号"
            print(f"siyu chat --store: {redact_url(args.store)} 是一个正在运行的 siyu serve 用的库："
                  f"试聊会算进它的漏斗、排进它的跟进；用一个单独的库（{other}；{AVOID}）", file=sys.stderr)
            return 2
        simulator = Simulator(library, store=store, customer=args.customer, channel=args.channel,
                              burst_window=window, run=f"{time.time_ns()}/")  # a new run carries the story on
        simulator.bus.subscribe(FunnelRecorder(store, FunnelMetrics(Metrics().registry),
                                               clock=lambda: simulator.now))
        return await run_chat(library, args.channel, burst_window=window, simulator=simulator, piped=piped,
                              welcome_hold=hold)
    finally:
        await store.close()
