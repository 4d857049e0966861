"""Matching speed and memory at 100 … 100k FAQ strings, beside the naive rapidfuzz baseline.

    python -m bench.matching [--sizes 100,1000,10000,100000] [--queries 400]

Baseline: rapidfuzz process.extractOne with WRatio over every (normalised) string, run in the same
process on the same queries. Accuracy of both is measured on the labelled eval set (bundled knowledge).
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from pathlib import Path

from rapidfuzz import fuzz, process

from bench.common import percentile, synthetic_knowledge, table
from bot.understanding.evaluation import LabelledSet, evaluate
from bot.understanding.knowledge import load_knowledge
from bot.understanding.matcher import Candidate, Decision, Result, Understanding

ROOT = Path(__file__).resolve().parent.parent


def baseline(understanding: Understanding):  # type: ignore[no-untyped-def]
    strings = [understanding.normalize(text) for text in understanding.index.texts]
    owners = understanding.index.owners
    hit = understanding.thresholds.hit

    def understand(text: str) -> Result:
        normalized = understanding.normalize(text)
        best = process.extractOne(normalized, strings, scorer=fuzz.WRatio, processor=None) if normalized else None
        if best is None or best[1] < hit:
            return Result(text, normalized, Decision.MISS, [], [], [], "baseline miss")
        entry = owners[best[2]]
        return Result(text, normalized, Decision.ANSWER, [entry], [Candidate(entry, best[1], best[0], ())], [], "baseline")

    return understand


def timed(function, queries: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for query in queries:
        started = time.perf_counter()
        function(query)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000,10000,100000")
    parser.add_argument("--queries", type=int, default=400)
    args = parser.parse_args()
    labelled = LabelledSet.load(ROOT / "knowledge" / "tests" / "eval.yaml")
    queries = ([q for q, _ in labelled.in_scope] + labelled.out_of_scope) * 4
    queries = queries[: args.queries]

    Understanding(synthetic_knowledge(10))  # load the conversion tables once, outside the measurements
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        knowledge = synthetic_knowledge(size)
        gc.collect()
        tracemalloc.start()
        started = time.perf_counter()
        understanding = Understanding(knowledge)
        build_s = time.perf_counter() - started
        memory_mb = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        ours = timed(understanding.understand, queries)
        base_queries = queries if size <= 10_000 else queries[:100]
        base = timed(baseline(understanding), base_queries)
        rows.append([f"{len(understanding.index):,}", f"{build_s * 1000:.0f} ms", f"{memory_mb:.1f} MB",
                     f"{percentile(ours, 50):.3f}", f"{percentile(ours, 99):.3f}",
                     f"{percentile(base, 50):.3f}", f"{percentile(base, 99):.3f}",
                     f"{percentile(base, 50) / max(percentile(ours, 50), 1e-9):.0f}x"])
    print(table(["FAQ strings", "index build", "index memory", "ours p50 ms", "ours p99 ms",
                 "baseline p50 ms", "baseline p99 ms", "speed-up (p50)"], rows))

    bundled = Understanding(load_knowledge(ROOT / "knowledge"))
    ours_report = evaluate(bundled.understand, labelled)
    base_report = evaluate(baseline(bundled), labelled)
    print()
    print(table(["method (eval set)", "top-1 in scope", "false answers", "clarify rate"], [
        ["siyu-bot", f"{ours_report.top1_accuracy:.1%}", f"{ours_report.false_answer_rate:.1%}",
         f"{ours_report.clarify_rate:.1%}"],
        ["baseline extractOne WRatio", f"{base_report.top1_accuracy:.1%}", f"{base_report.false_answer_rate:.1%}",
         f"{base_report.clarify_rate:.1%}"],
    ]))


if __name__ == "__main__":
    main()
