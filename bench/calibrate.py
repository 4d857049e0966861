"""Calibrate the matching thresholds (knowledge/matching.yaml) on the tuning set, never the held-out one.

    python -m bench.calibrate [--content DIR] [--max-false 0.03]

For every `hit` (40-85) and `clarify_margin` (0-10) it runs the tuning set (knowledge/tests/eval.yaml)
and keeps the pair with the best utility — a right answer counts 1, a numbered choice that holds the
right entry ½, an in-scope question answered with another entry's answer −1 — whose false-answer rate
on out-of-scope lines stays within --max-false (ties: the higher `hit`, then the wider margin; the
utility already prices a numbered choice against a wrong answer, and `siyu check` warns about entries
too alike to tell apart, which a wider margin used to guard against). `near_miss` is then the
lowest score that still held the right entry first for at least half the in-scope questions below
`hit`, so `siyu misses` shows questions worth a new phrasing. A pair is only chosen if the operator's
conversation tests (flows/tests, as `siyu test` runs them) still pass with it; the best pairs that broke
them are printed. The held-out set is only reported.
"""

from __future__ import annotations

import argparse
import asyncio
from functools import cache
from pathlib import Path

from bench.common import table
from bot.engine.content import load_content
from bot.engine.library import Library
from bot.tools.convtest import load_cases, run_case
from bot.understanding.evaluation import LabelledSet, evaluate, labelled_sets
from bot.understanding.index import Scored
from bot.understanding.knowledge import Thresholds, load_knowledge
from bot.understanding.matcher import Analysis, Understanding

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 0.0  # utility a wider clarify margin may cost: none (ties go to the wider margin)


class Conversations:
    """The operator's conversation tests (flows/tests), run with given thresholds: a threshold that answers
    more FAQ questions can also let a weak match take a short reply inside a flow (小美吧 read as a
    question instead of a name), which no labelled FAQ set shows."""

    def __init__(self, root: Path) -> None:
        self.content = load_content(root)
        folder = root / "flows" / "tests"
        self.cases = load_cases(folder) if folder.is_dir() else []
        self.results: dict[tuple[float, float], list[str]] = {}

    def failing(self, thresholds: Thresholds) -> list[str]:
        key = (thresholds.hit, thresholds.clarify_margin)
        if key not in self.results:
            self.content.understanding.thresholds = thresholds
            self.results[key] = asyncio.run(self._run())
        return self.results[key]

    async def _run(self) -> list[str]:
        library = Library(self.content)
        return [case.name for file, case, lines in self.cases
                if (await run_case(library, case, file, lines)).failures]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--content", default=str(ROOT))
    parser.add_argument("--max-false", type=float, default=0.03)
    args = parser.parse_args()
    root = Path(args.content)
    understanding = Understanding(load_knowledge(root / "knowledge"))
    search = understanding.search

    @cache
    def cached(text: str, *, marked: bool = False, few: bool = False) -> tuple[Analysis, list[Scored], str]:
        return search(text, marked=marked, few=few)

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
    conversations = Conversations(root)
    refused: list[str] = []
    chosen = None
    best_per_hit = sorted({hit: max(v for (h, _), v in utility.items() if h == hit) for hit, _ in utility}.items(),
                          key=lambda item: (item[1], item[0]), reverse=True)
    for hit, top in best_per_hit:  # the widest margin within TOLERANCE first, narrower ones if it breaks a test
        margins = sorted((m for (h, m), value in utility.items() if h == hit and value >= top - TOLERANCE),
                         reverse=True)
        for margin in margins:
            candidate = current.model_copy(update={"hit": hit, "clarify_margin": margin})
            failed = conversations.failing(candidate)
            if not failed:
                chosen = candidate
                break
            refused.append(f"hit {hit}, clarify_margin {margin}: {len(failed)} conversation tests fail "
                           f"({failed[0]} …)")
        if chosen is not None:
            break
    if chosen is None:
        print("no threshold keeps the conversation tests (flows/tests) passing; run `siyu test`")
        return
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
    if refused:
        print(f"{len(refused)} better pairs refused because conversation tests failed with them, e.g.")
        for line in refused[:3]:
            print(f"  {line}")
    print(f"current: hit {current.hit}, clarify_margin {current.clarify_margin}, near_miss {current.near_miss}")
    print(f"chosen:  hit {chosen.hit}, clarify_margin {chosen.clarify_margin}, near_miss {chosen.near_miss}\n")
    print(table(["set", "top-1 / false (current)", "top-1 / false (chosen)"], rows))


if __name__ == "__main__":
    main()
