"""CPU and store round trips per customer turn through the engine (understanding included) with a
10k-string knowledge base, and process memory as the number of distinct customers grows.

    python -m bench.engine_turns [--customers 100000] [--redis redis://127.0.0.1:6379/14]

Baseline in the same run: understanding alone (the matching every turn does anyway), so the ratio shows
what the flow machinery, persona and session handling add. CPU is `time.process_time` of this process, so
with Redis it includes the client's protocol work but not Redis's own. Round trips are counted on a
separate pass through a store that counts its calls (each call is one round trip on Redis; a turn reads and
writes the customer's profile too, in the same two calls). Then the restraint policy's decide() alone, on a
profile with evidence and an offer, and the profile's size in the store. With Redis the
process keeps nothing per customer, so its memory must stay flat; the embedded store keeps sessions in the
process by design. With --redis the given database is FLUSHED first: use one of your own.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import time
from pathlib import Path
from typing import Any, cast

from bench.common import percentile, synthetic_knowledge, table
from bot.conversation import Inbound, InboundKind
from bot.engine.content import load_content
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.policy.decide import decide
from bot.profile.store import Profiles
from bot.store.base import Store
from bot.store.factory import open_store
from bot.understanding.matcher import Understanding

ROOT = Path(__file__).resolve().parent.parent
MESSAGES = ("包邮吗", "好", "叫我小美", "还行", "可以", "油皮", "长痘", "很困扰", "多少钱", "谢谢", "退货怎么弄",
            "你好", "啊啊啊", "发什么快递", "脸上爆痘了 急 有什么推荐", "推荐一下")


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CountingStore:
    """Counts store calls: one call is one round trip on Redis."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return await method(*args, **kwargs)
        return counted


def inbound(n: int, now: float) -> tuple[str, Inbound]:
    """Customer n's turn: one in seven opens the kf chat (a flow starts), the others write a message."""
    customer = f"wm{n}"
    kind = InboundKind.ENTER_SESSION if n % 7 == 0 else InboundKind.TEXT
    return f"kf:wk:{customer}", Inbound(f"e{n}", kind, customer, text=MESSAGES[n % len(MESSAGES)], at=now)


async def run_turns(library: Library, store: Store, customers: int,
                    memory: bool) -> tuple[list[float], list[list[str]]]:
    engine = Engine(library, store, burst_window=0)
    now = time.time()
    turns: list[float] = []
    memory_rows: list[list[str]] = []
    checkpoints = {1_000, 10_000, 50_000, customers}
    gc.collect()
    start_rss = rss_mb()
    for n in range(customers):
        key, message = inbound(n, now)
        started = time.process_time()
        await engine.respond(key, message)
        turns.append((time.process_time() - started) * 1000)
        if memory and n + 1 in checkpoints:
            gc.collect()
            memory_rows.append([f"{n + 1:,}", f"{rss_mb():.0f} MB", f"{rss_mb() - start_rss:+.0f} MB"])
    return turns, memory_rows


async def round_trips(library: Library, store: Store, turns: int = 2_000) -> float:
    counting = CountingStore(store)
    engine = Engine(library, cast(Store, counting), burst_window=0)
    now = time.time()
    for n in range(turns):
        key, message = inbound(10_000_000 + n, now)
        await engine.respond(key, message)
    return counting.calls / turns


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--redis", default=None)
    args = parser.parse_args()

    content = load_content(ROOT)
    big = Understanding(synthetic_knowledge(10_000))
    object.__setattr__(content, "understanding", big)  # same flows and persona, a 10k-string knowledge base
    library = Library(content)
    gc.collect()
    gc.freeze()  # as `siyu serve` does once started (bot/gateway/serving.py): content stays out of collections

    baseline = []
    for n in range(5000):
        started = time.process_time()
        big.understand(MESSAGES[n % len(MESSAGES)])
        baseline.append((time.process_time() - started) * 1000)
    base_p50, base_p99 = percentile(baseline, 50), percentile(baseline, 99)
    rows = [["understanding only (baseline)", f"{base_p50:.3f}", f"{base_p99:.3f}", "1.0x", "-"]]

    backends: list[tuple[str, str | None]] = [("embedded store", None)]
    if args.redis:
        backends.append(("Redis store", args.redis))
    memory_rows: list[list[str]] = []
    sizes: list[int] = []
    profile = None
    for name, url in backends:
        store = open_store(url)
        if url:
            await store._redis.flushdb()  # type: ignore[attr-defined]
        customers = args.customers if url else min(args.customers, 20_000)
        turns, rows_memory = await run_turns(library, store, customers, memory=url is not None)
        memory_rows = rows_memory or memory_rows
        profiles = Profiles(store)
        sizes = []
        for n in range(0, customers, max(1, customers // 500)):
            raw = await store.get(profiles.key(f"wm{n}"))
            sizes.append(len(raw.encode()) if raw else 0)
        profile = await profiles.load("wm14")  # one who asked: evidence, an offer, a decision
        trips = await round_trips(library, store)
        await store.close()
        p50, p99 = percentile(turns, 50), percentile(turns, 99)
        rows.append([f"full engine turn, {name}, {customers:,} customers", f"{p50:.3f}", f"{p99:.3f}",
                     f"{p50 / max(base_p50, 1e-9):.1f}x", f"{trips:.2f}"])
    assert profile is not None
    now = time.time()
    decisions = []
    for _ in range(5000):
        started = time.process_time()
        decide(content.policy, content.codebook, content.understanding.knowledge.products, profile, now)
        decisions.append((time.process_time() - started) * 1000)
    rows.append(["restraint policy decide() alone", f"{percentile(decisions, 50):.3f}",
                 f"{percentile(decisions, 99):.3f}", f"{percentile(decisions, 50) / max(base_p50, 1e-9):.2f}x", "0"])

    print(table(["measure (CPU ms per turn)", "p50", "p99", "p50 / baseline", "store round trips per turn"],
                rows))
    print(f"\nprofile JSON per customer: mean {sum(sizes) / max(len(sizes), 1):.0f} B, max {max(sizes, default=0)} B")
    if memory_rows:
        print()
        print(table(["distinct customers (Redis store)", "process RSS", "growth since start"], memory_rows))


if __name__ == "__main__":
    asyncio.run(main())
