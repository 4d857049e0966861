"""Matching speed and memory at 100 … 100k FAQ strings, beside the naive rapidfuzz baseline.

    python -m bench.matching [--sizes 100,1000,10000,100000] [--queries 400]

Targets: p99 ≤ 0.5 ms at 10k and ≤ 2 ms at 100k strings, index build ≤ 5 s at 100k.
Baseline: rapidfuzz process.extractOne with WRatio over every normalised string, in the same process on
the same queries (the tuning set's questions). Each query's time is the best of three runs, so that a
time slice lost to another process on a shared machine does not count as the matcher's; the index is
moved out of the garbage collector's way (gc.freeze) after it is built. The build shows wall time and,
in brackets, the process's CPU time, which a busy machine does not inflate. Memory is
measured in a second build under tracemalloc (which slows building, so the build time is taken without).
Quality is bench/quality.py.
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from rapidfuzz import fuzz, process

from bench.common import percentile, synthetic_knowledge, table
from bot.understanding.evaluation import LabelledSet
from bot.understanding.matcher import Understanding

ROOT = Path(__file__).resolve().parent.parent


def baseline(understanding: Understanding) -> Callable[[str], object]:
    strings = [understanding.normalize(text) for text in understanding.index.texts]

    def understand(text: str) -> object:
        normalized = understanding.normalize(text)
        return process.extractOne(normalized, strings, scorer=fuzz.WRatio, processor=None) if normalized else None

    return understand


def timed(function: Callable[[str], object], queries: list[str], runs: int = 3) -> list[float]:
    samples = []
    for query in queries:
        best = float("inf")
        for _ in range(runs):
            started = time.perf_counter()
            function(query)
            best = min(best, time.perf_counter() - started)
        samples.append(best * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    labelled = LabelledSet.load(ROOT / "knowledge" / "tests" / "eval.yaml")
    queries = ([q for q, _ in labelled.in_scope] + labelled.out_of_scope) * 2
    queries = queries[: args.queries]

    Understanding(synthetic_knowledge(10))  # load jieba's dictionary and the tables once, outside the timing
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        knowledge = synthetic_knowledge(size)
        gc.collect()
        tracemalloc.start()
        kept = Understanding(knowledge)
        memory_mb = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        del kept
        gc.collect()
        started, cpu = time.perf_counter(), time.process_time()
        understanding = Understanding(knowledge)
        build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
        gc.collect()
        gc.freeze()
        for query in queries[:50]:
            understanding.understand(query)  # warm the per-word caches
        ours = timed(understanding.understand, queries)
        base = timed(baseline(understanding), queries if size <= 10_000 else queries[:100], runs=1)
        gc.unfreeze()
        rows.append([f"{len(understanding.index):,}", f"{build_s * 1000:.0f} ms ({build_cpu * 1000:.0f} ms CPU)",
                     f"{memory_mb:.1f} MB",
                     f"{percentile(ours, 50):.3f}", f"{percentile(ours, 99):.3f}",
                     f"{percentile(base, 50):.3f}", f"{percentile(base, 99):.3f}",
                     f"{percentile(base, 50) / max(percentile(ours, 50), 1e-9):.0f}x"])
        del understanding
    print(table(["FAQ strings (+keywords)", "index build", "index memory", "ours p50 ms", "ours p99 ms",
                 "baseline p50 ms", "baseline p99 ms", "speed-up (p50)"], rows))


if __name__ == "__main__":
    main()
