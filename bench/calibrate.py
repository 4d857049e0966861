"""Calibrate the matching thresholds (knowledge/matching.yaml) on the tuning set, never the held-out one.

    python -m bench.calibrate [--content DIR] [--max-false 0.03]

For every `hit` (40-85) and `clarify_margin` (0-10) it runs the tuning set (knowledge/tests/eval.yaml)
and keeps the pair with the best utility — a right answer counts 1, a numbered choice that holds the
right entry ½, an in-scope question answered with another entry's answer −1 — whose false-answer rate
on out-of-scope lines stays within --max-false (ties: the higher `hit`). The margin is then widened as
long as it costs at most half a point of utility: a numbered choice is the safe answer when an operator
later adds two near-duplicate entries, which the tuning set cannot show. `near_miss` is then the
lowest score that still held the right entry first for at least half the in-scope questions below
`hit`, so `siyu misses` shows questions worth a new phrasing. The held-out set is only reported.
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path

from bench.common import table
from bot.understanding.evaluation import LabelledSet, evaluate, labelled_sets
from bot.understanding.index import Scored
from bot.understanding.knowledge import load_knowledge
from bot.understanding.matcher import Analysis, Understanding

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 0.005  # utility a wider clarify margin may cost


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--content", default=str(ROOT))
    parser.add_argument("--max-false", type=float, default=0.03)
    args = parser.parse_args()
    root = Path(args.content)
    understanding = Understanding(load_knowledge(root / "knowledge"))
    search = understanding.search

    @cache
    def cached(text: str) -> tuple[Analysis, list[Scored], str]:
        return search(text)

    understanding.search = cached  # type: ignore[method-assign]
    sets = dict(labelled_sets(root))
    tune = LabelledSet.load(sets["tune"])
    current = understanding.thresholds
    utility: dict[tuple[int, int], float] = {}
    for hit in range(40, 86):
        for margin in range(0, 11):
            understanding.thresholds = current.model_copy(update={"hit": hit, "clarify_margin": margin})
            report = evaluate(understanding.understand, tune)
            if report.false_answer_rate <= args.max_false:
                utility[hit, margin] = report.utility
    if not utility:
        print(f"no threshold keeps false answers within {args.max_false:.0%}")
        return
    top, hit, _ = max((value, hit, margin) for (hit, margin), value in utility.items())
    margin = max(m for (h, m), value in utility.items() if h == hit and value >= top - TOLERANCE)
    best = (top, hit, margin, current.model_copy(update={"hit": hit, "clarify_margin": margin}))
    chosen = best[3]
    below: list[float] = []
    for query, expected in tune.in_scope:
        found = cached(understanding.normalize(query))[1]
        if found and found[0].entry == expected and found[0].score < chosen.hit:
            below.append(found[0].score)
    below.sort()
    near = below[len(below) // 2] if below else chosen.hit - 15
    chosen = chosen.model_copy(update={"near_miss": round(min(near, chosen.hit), 1)})
    rows = []
    for name, path in sets.items():
        understanding.thresholds = current
        before = evaluate(understanding.understand, LabelledSet.load(path))
        understanding.thresholds = chosen
        after = evaluate(understanding.understand, LabelledSet.load(path))
        rows.append([name, f"{before.top1_accuracy:.1%} / {before.false_answer_rate:.1%}",
                     f"{after.top1_accuracy:.1%} / {after.false_answer_rate:.1%}"])
    print(f"current: hit {current.hit}, clarify_margin {current.clarify_margin}, near_miss {current.near_miss}")
    print(f"chosen:  hit {chosen.hit}, clarify_margin {chosen.clarify_margin}, near_miss {chosen.near_miss}\n")
    print(table(["set", "top-1 / false (current)", "top-1 / false (chosen)"], rows))


if __name__ == "__main__":
    main()
