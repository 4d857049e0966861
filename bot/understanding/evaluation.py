"""Measure matching quality on labelled query sets (`siyu eval`, bench/quality.py).

The labelled sets live with the content they test, in knowledge/tests/: `eval.yaml` is the set the
thresholds are calibrated on, `heldout.yaml` is never tuned on and says how unseen questions fare, and
`fresh.yaml`, `blind.yaml`, `blind2.yaml` and `blind3.yaml` were written blind (by people who had not seen the
knowledge) in customers' own words: their lines never go into the content, so they say how real phrasing fares
(`blind2.yaml` and `blind3.yaml` were labelled from the FAQ answers alone and are read as totals only;
docs/understanding.md says which set was read how often).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.understanding.matcher import Decision, Result

TUNE, HELD_OUT, FRESH = "eval.yaml", "heldout.yaml", "fresh.yaml"
BLIND, BLIND2, BLIND3 = "blind.yaml", "blind2.yaml", "blind3.yaml"


def labelled_sets(content_root: Path) -> list[tuple[str, Path]]:
    """The labelled sets shipped beside a content folder's knowledge, tuning set first."""
    folder = content_root / "knowledge" / "tests"
    found = [("tune", folder / TUNE), ("held-out", folder / HELD_OUT), ("fresh", folder / FRESH),
             ("blind", folder / BLIND), ("blind2", folder / BLIND2), ("blind3", folder / BLIND3)]
    return [(name, path) for name, path in found if path.exists()]


@dataclass
class LabelledSet:
    in_scope: list[tuple[str, str]]  # (query, expected FAQ id)
    out_of_scope: list[str]
    several: list[tuple[str, list[str]]]

    @classmethod
    def load(cls, path: Path) -> LabelledSet:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            in_scope=[(str(q), entry) for entry, queries in (raw.get("in_scope") or {}).items() for q in queries],
            out_of_scope=[str(q) for q in raw.get("out_of_scope") or []],
            several=[(str(item["q"]), list(item["expect"])) for item in raw.get("several") or []],
        )

    def __len__(self) -> int:
        return len(self.in_scope) + len(self.out_of_scope) + len(self.several)


@dataclass
class Report:
    in_scope: int = 0
    top1: int = 0
    clarified: int = 0
    clarified_right: int = 0  # the right entry was one of the two offered
    wrong_answers: int = 0  # in-scope questions answered with another entry's answer
    out_of_scope: int = 0
    false_answers: int = 0
    several: int = 0
    several_ok: int = 0
    suggested_right: int = 0  # in-scope questions missed, offered 你是想问「…」吗 with the right entry
    suggested_wrong: int = 0  # … with another entry
    suggested_out: int = 0  # out-of-scope questions offered one
    failures: list[str] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / max(1, self.in_scope)

    @property
    def false_answer_rate(self) -> float:
        return self.false_answers / max(1, self.out_of_scope)

    @property
    def utility(self) -> float:
        """What the calibration maximises: a right answer 1, a choice holding the right one ½, a wrong one −1."""
        return (self.top1 + self.clarified_right / 2 - self.wrong_answers) / max(1, self.in_scope)

    @property
    def clarify_rate(self) -> float:
        return self.clarified / max(1, self.in_scope)

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("in-scope queries", f"{self.in_scope}"),
            ("top-1 accuracy (answered, right FAQ)", f"{self.top1_accuracy:.1%}"),
            ("wrong answers (in-scope, another entry)", f"{self.wrong_answers / max(1, self.in_scope):.1%}"),
            ("clarify rate (in-scope)", f"{self.clarify_rate:.1%} ({self.clarified_right} offered the right one)"),
            ("out-of-scope queries", f"{self.out_of_scope}"),
            ("false answers (out-of-scope answered)", f"{self.false_answer_rate:.1%}"),
            ("several questions in one message: all answered", f"{self.several_ok}/{self.several}"),
            ("missed, suggested (你是想问…吗): right / wrong / out-of-scope",
             f"{self.suggested_right} / {self.suggested_wrong} / {self.suggested_out}"),
        ]

    def table(self) -> str:
        rows = self.rows()
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)


def evaluate(understand: Callable[[str], Result], labelled: LabelledSet) -> Report:
    report = Report()
    for query, expected in labelled.in_scope:
        result = understand(query)
        report.in_scope += 1
        if result.decision is Decision.ANSWER and result.answers[:1] == [expected]:
            report.top1 += 1
            continue
        if result.suggestion:
            report.suggested_right += result.suggestion == expected
            report.suggested_wrong += result.suggestion != expected
        if result.decision is Decision.CLARIFY:
            report.clarified += 1
            report.clarified_right += expected in result.answers
        elif result.decision is Decision.ANSWER:
            report.wrong_answers += 1
        report.failures.append(f"in-scope  {query!r}: expected {expected}, got {result.decision.value} "
                               f"{result.answers} ({result.reason})")
    for query in labelled.out_of_scope:
        result = understand(query)
        report.out_of_scope += 1
        report.suggested_out += bool(result.suggestion)
        if result.decision is Decision.ANSWER:
            report.false_answers += 1
            report.failures.append(f"out-of-scope {query!r}: answered {result.answers} ({result.reason})")
    for query, expected_all in labelled.several:
        result = understand(query)
        report.several += 1
        if set(expected_all) <= set(result.answers):
            report.several_ok += 1
        else:
            report.failures.append(f"several {query!r}: expected {expected_all}, got {result.answers}")
    return report
