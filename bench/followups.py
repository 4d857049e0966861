"""Follow-ups at scale: 100,000 customers with active plans.

    python -m bench.followups --redis redis://127.0.0.1:6379/14 [--customers 100000] [--due 3000]

The database given is flushed: use one of your own. Customers are made by the real code (listener, funnel
recorder, runner) for a first batch and copied for the rest (the layout is the code's, only the ids differ).
Measured:
- Redis memory per customer: MEMORY USAGE of the follow-up record and the funnel record (a sample), and the
  due-time sorted set divided by the customers it holds;
- scheduler CPU per due step (time.process_time, this process: runner + Redis client work), without and with
  composing the message through the engine; a look when nothing is due; the pump, per entry moved;
- baseline in the same run: the least store work a due step needs — read the record, write two fields, move
  its schedule entry (HGETALL + HSET + ZADD + ZREM) — so the ratio shows what the scheduling logic adds.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from bench.common import percentile, table
from bot.conversation import Turn
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.events import ADDED, MESSAGE, CustomerEvent, EventBus
from bot.followups.delivery import SENT, Delivered, Job
from bot.followups.facts import ProfileView
from bot.followups.listener import FollowupListener
from bot.followups.pump import FollowupPump
from bot.followups.record import DUE_KEY, Records, Template, record_key
from bot.followups.runner import FollowUps
from bot.funnel.recorder import FunnelMetrics, FunnelRecorder
from bot.funnel.stages import CUSTOMER_KEY
from bot.gateway.queue import Queue
from bot.store.redis import RedisStore

ROOT = Path(__file__).resolve().parent.parent
START = 1_767_225_600.0 + 2 * 3600


class BenchDelivery:
    """WeCom stays out of the measurement: composing through the engine or not, then 'sent' by kf."""

    def __init__(self, compose: bool) -> None:
        self.compose = compose

    async def send(self, job: Job) -> Delivered:
        turn = await job.compose(f"kf:wk1:{job.customer}") if self.compose else Turn()
        return Delivered(SENT, "kf", confirmed=True, turn=turn)

    async def template_status(self, template: Template, customer: str) -> str:
        return "waiting"

    async def remind(self, template: Template) -> bool:
        return False

    async def cancel(self, template: Template) -> None:
        return None


def rig(store: RedisStore, library: Library, clock: list[float], compose: bool) -> tuple[EventBus, FollowUps]:
    bus = EventBus()
    engine = Engine(library, store, clock=lambda: clock[0], burst_window=0, events=bus)
    plans = lambda: library.current.plans  # noqa: E731
    bus.subscribe(FollowupListener(Records(store), plans))
    bus.subscribe(FunnelRecorder(store, FunnelMetrics(CollectorRegistry()), clock=lambda: clock[0]))
    followups = FollowUps(plans, store, engine, view=ProfileView(store, lambda: library.current),
                          delivery=BenchDelivery(compose), events=bus, clock=lambda: clock[0])
    return bus, followups


async def make_customers(store: RedisStore, raw: aioredis.Redis, library: Library, total: int, real: int) -> None:
    clock = [START]
    bus, followups = rig(store, library, clock, compose=False)
    for number in range(real):
        customer = f"wmBench{number:06d}"
        conv = f"kf:wk1:{customer}"
        await bus.emit([CustomerEvent(ADDED, customer, START, conv=f"ext:emp{number % 50}:{customer}",
                                      channel=("live", "pkgcard", "ad")[number % 3], staff=f"emp{number % 50}"),
                        CustomerEvent(MESSAGE, customer, START + 60, conv=conv)])
        await followups.run(customer)
    for start in range(real, total, 1000):
        async with raw.pipeline(transaction=False) as pipe:
            for number in range(start, min(total, start + 1000)):
                model = f"wmBench{number % real:06d}"
                customer = f"wmBench{number:06d}"
                fields = await store.hgetall(record_key(model))
                due = fields["due"].split("|")[1]
                fields.update(due=f"{customer}|{due}", conv=f"kf:wk1:{customer}")
                pipe.hset(record_key(customer), mapping=fields)
                pipe.zadd(DUE_KEY, {f"{customer}|{due}": float(due)})
                pipe.hset(CUSTOMER_KEY + customer, mapping=await store.hgetall(CUSTOMER_KEY + model))
            await pipe.execute()


async def memory(raw: aioredis.Redis, total: int) -> list[list[object]]:
    sample = [f"wmBench{n:06d}" for n in range(0, total, max(1, total // 300))]
    record = sum([await raw.memory_usage(record_key(c)) or 0 for c in sample]) / len(sample)
    funnel = sum([await raw.memory_usage(CUSTOMER_KEY + c) or 0 for c in sample]) / len(sample)
    due = (await raw.memory_usage(DUE_KEY, samples=0) or 0) / max(1, await raw.zcard(DUE_KEY))
    return [["follow-up record (hash)", f"{record:.0f}"], ["due-time entry (sorted set share)", f"{due:.0f}"],
            ["funnel record (hash)", f"{funnel:.0f}"], ["total per customer", f"{record + due + funnel:.0f}"]]


async def cpu_per_run(followups: FollowUps, customers: list[str]) -> list[float]:
    spent = []
    for customer in customers:
        began = time.process_time()
        await followups.run(customer)
        spent.append((time.process_time() - began) * 1000)
    return spent


async def baseline(store: RedisStore, customers: list[str]) -> list[float]:
    spent = []
    for customer in customers:
        began = time.process_time()
        fields = await store.hgetall(record_key(customer))
        await store.hset(record_key(customer), {"x:bench": fields.get("p:seeds", ""), "day": "2026-01-02"})
        await store.zadd(DUE_KEY, f"{customer}|bench", START)
        await store.zrem(DUE_KEY, f"{customer}|bench")
        spent.append((time.process_time() - began) * 1000)
    return spent


async def main(url: str, total: int, due: int) -> None:
    store, raw = RedisStore(url), aioredis.Redis.from_url(url)
    await raw.flushdb()
    library = Library.load(ROOT)
    began = time.perf_counter()
    await make_customers(store, raw, library, total, min(total, 2000))
    print(f"{total:,} customers with active plans in {time.perf_counter() - began:.0f} s\n")
    print(table(["Redis memory per customer", "bytes"], await memory(raw, total)))
    picked = [f"wmBench{n:06d}" for n in range(0, total, max(1, total // due))][:due]
    planned = max([float((await store.hgetall(record_key(c)))["due"].split("|")[1]) for c in picked])
    rows = []
    floor = await baseline(store, picked)
    rows.append(["baseline: HGETALL + HSET + ZADD + ZREM", f"{percentile(floor, 50):.3f}",
                 f"{percentile(floor, 99):.3f}", "1.00"])
    clock = [START + 3600]
    _, looking = rig(store, library, clock, compose=False)
    look = await cpu_per_run(looking, picked)
    clock[0] = planned + 1
    half = len(picked) // 2
    _, bare = rig(store, library, clock, compose=False)
    steps = await cpu_per_run(bare, picked[:half])
    _, composing = rig(store, library, clock, compose=True)
    composed = await cpu_per_run(composing, picked[half:])
    base = percentile(floor, 50)
    for name, values in (("a look, nothing due", look), ("due step, scheduler only", steps),
                         ("due step + persona message (engine turn)", composed)):
        rows.append([name, f"{percentile(values, 50):.3f}", f"{percentile(values, 99):.3f}",
                     f"{percentile(values, 50) / base:.2f}"])
    queue = Queue(store)
    await queue.setup()
    pump = FollowupPump(store, queue, lambda: planned + 1, batch=500)
    began_cpu, moved = time.process_time(), 0
    while moved < 5000:
        count = await pump.pump_once()
        if not count:
            break
        moved += count
    pump_ms = (time.process_time() - began_cpu) * 1000 / max(1, moved)
    rows.append([f"pump, per entry moved to the queue ({moved:,})", f"{pump_ms:.3f}", "-", f"{pump_ms / base:.2f}"])
    print()
    print(table(["CPU ms per …", "p50", "p99", "ratio to baseline (p50)"], rows))
    await raw.flushdb()
    await raw.aclose()
    await store.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--redis", required=True, help="a Redis database of your own: it is flushed")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=3000, help="due steps measured")
    options = parser.parse_args()
    asyncio.run(main(options.redis, options.customers, options.due))
