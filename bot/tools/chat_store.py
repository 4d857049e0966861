"""`siyu chat --store URL`: the conversation, the profile, the policy's decisions and the funnel go to that Redis, so
`siyu profile / why / report` can be tried without WeCom, on a store of its own: a store a running `siyu serve`
uses is refused (the test customer would join its funnel, and its follow-up pump would take her plan up)."""

from __future__ import annotations

import argparse
import sys
import time

from bot.engine.library import Library
from bot.gateway.worker import WORKERS_KEY
from bot.logging_setup import redact_url
from bot.store.base import Store

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
            print(f"siyu chat --store: {redact_url(args.store)} 是一个正在运行的 siyu serve 用的库："
                  "试聊会算进它的漏斗、排进它的跟进；用一个单独的库（如把 /0 换成 /9；测试会清空 /15，别用它）",
                  file=sys.stderr)
            return 2
        simulator = Simulator(library, store=store, customer=args.customer, channel=args.channel,
                              burst_window=window, run=f"{time.time_ns()}/")  # a new run carries the story on
        simulator.bus.subscribe(FunnelRecorder(store, FunnelMetrics(Metrics().registry),
                                               clock=lambda: simulator.now))
        return await run_chat(library, args.channel, burst_window=window, simulator=simulator, piped=piped,
                              welcome_hold=hold)
    finally:
        await store.close()
