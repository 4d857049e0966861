"""CPU per customer turn through the engine (understanding included) with a 10k-string knowledge base,
and process memory as the number of distinct customers grows.

    python -m bench.engine_turns [--customers 100000] [--redis redis://127.0.0.1:6379/14]

Baseline in the same run: understanding alone (the matching every turn does anyway), so the ratio shows
what the flow machinery, persona and session handling add. With Redis the process keeps nothing per
customer, so its memory must stay flat; the embedded store keeps sessions in the process by design.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import time
from pathlib import Path

from bench.common import percentile, synthetic_knowledge, table
from bot.conversation import Inbound, InboundKind
from bot.engine.content import load_content
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.policy.decide import decide
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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--redis", default=None)
    args = parser.parse_args()

    content = load_content(ROOT)
    big = Understanding(synthetic_knowledge(10_000))
    object.__setattr__(content, "understanding", big)  # same flows and persona, a 10k-string knowledge base
    library = Library(content)
    store = open_store(args.redis)
    if args.redis:
        await store._redis.flushdb()  # type: ignore[attr-defined]
    engine = Engine(library, store, burst_window=0)
    now = time.time()

    baseline = []
    for n in range(5000):
        started = time.process_time()
        big.understand(MESSAGES[n % len(MESSAGES)])
        baseline.append((time.process_time() - started) * 1000)

    turns: list[float] = []
    memory_rows = []
    checkpoints = {1_000, 10_000, 50_000, args.customers}
    gc.collect()
    start_rss = rss_mb()
    for n in range(args.customers):
        customer = f"wm{n}"
        kind = InboundKind.ENTER_SESSION if n % 7 == 0 else InboundKind.TEXT
        inbound = Inbound(f"e{n}", kind, customer, text=MESSAGES[n % len(MESSAGES)], at=now)
        started = time.process_time()
        await engine.respond(f"kf:wk:{customer}", inbound)
        turns.append((time.process_time() - started) * 1000)
        if n + 1 in checkpoints:
            gc.collect()
            memory_rows.append([f"{n + 1:,}", f"{rss_mb():.0f} MB", f"{rss_mb() - start_rss:+.0f} MB"])
    sizes = []
    for n in range(0, args.customers, max(1, args.customers // 500)):
        raw = await store.get(engine.profiles.key(f"wm{n}"))
        sizes.append(len(raw.encode()) if raw else 0)
    profile = await engine.profiles.load("wm14")  # one who asked: evidence, an offer, a decision
    decisions = []
    for _ in range(5000):
        started = time.process_time()
        decide(content.policy, content.codebook, content.understanding.knowledge.products, profile, now)
        decisions.append((time.process_time() - started) * 1000)
    await store.close()

    p50, p99 = percentile(turns, 50), percentile(turns, 99)
    print(table(["measure (CPU ms per turn)", "p50", "p99"], [
        ["understanding only (baseline)", f"{percentile(baseline, 50):.3f}", f"{percentile(baseline, 99):.3f}"],
        [f"full engine turn ({'redis' if args.redis else 'embedded'} store)", f"{p50:.3f}", f"{p99:.3f}"],
        ["restraint policy decide() alone", f"{percentile(decisions, 50):.3f}", f"{percentile(decisions, 99):.3f}"],
    ]))
    print(f"\nprofile JSON per customer: mean {sum(sizes) / max(len(sizes), 1):.0f} B, max {max(sizes, default=0)} B")
    print(f"\nratio engine/understanding p50: {p50 / max(percentile(baseline, 50), 1e-9):.1f}x")
    print()
    print(table(["distinct customers", "process RSS", "growth since start"], memory_rows))


if __name__ == "__main__":
    asyncio.run(main())
