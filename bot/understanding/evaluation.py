"""Measure matching quality on labelled query sets (`siyu eval`, bench/quality.py).

The labelled sets live with the content they test, in knowledge/tests/: `eval.yaml` is the set the
thresholds are calibrated on, `heldout.yaml` is never tuned on and says how unseen questions fare, and
`fresh.yaml` and `blind.yaml` to `blind8.yaml` were written blind (by people who had not seen the knowledge)
in customers' own words: their lines never go into the content, so they say how real phrasing fares
(`blind2.yaml` to `blind8.yaml` were labelled from the FAQ answers alone; blind2, blind3 and blind5 are read as
totals only, blind, blind4, blind6, blind7 and fresh became dev sets once their misses were read;
docs/understanding.md says which set was read how often).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.understanding.matcher import Decision, Result

TUNE, HELD_OUT, FRESH = "eval.yaml", "heldout.yaml", "fresh.yaml"
BLIND, BLIND2, BLIND3 = "blind.yaml", "blind2.yaml", "blind3.yaml"
BLIND4, BLIND5, BLIND6, BLIND7 = "blind4.yaml", "blind5.yaml", "blind6.yaml", "blind7.yaml"
BLIND8 = "blind8.yaml"


def labelled_sets(content_root: Path) -> list[tuple[str, Path]]:
    """The labelled sets shipped beside a content folder's knowledge, tuning set first."""
    folder = content_root / "knowledge" / "tests"
    found = [("tune", folder / TUNE), ("held-out", folder / HELD_OUT), ("fresh", folder / FRESH),
             ("blind", folder / BLIND), ("blind2", folder / BLIND2), ("blind3", folder / BLIND3),
             ("blind4", folder / BLIND4), ("blind5", folder / BLIND5), ("blind6", folder / BLIND6),
             ("blind7", folder / BLIND7), ("blind8", folder / BLIND8)]
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
        """The figures in the operator's words. No share looks better than it is: right answers are floored
        (94.96% is 94.9%), wrong and false answers rounded up (1.16% is 1.2%)."""
        return [
            ("该回答的问题", f"{self.in_scope} 句"),
            ("正确（top-1：答的正是标注的那条 FAQ）", floor_percent(self.top1, self.in_scope)),
            ("答错（答成了别的 FAQ）", ceil_percent(self.wrong_answers, self.in_scope)),
            ("反问（请顾客在两条里选）", f"{floor_percent(self.clarified, self.in_scope)}"
                                 f"（其中 {self.clarified_right} 句选项里有对的）"),
            ("不该回答的话", f"{self.out_of_scope} 句"),
            ("误答（不该回答却回答了）", ceil_percent(self.false_answers, self.out_of_scope)),
            ("一句问几件事：全都答上", f"{self.several_ok}/{self.several}"),
            ("没答上时问“你是想问…吗”：猜对 / 猜错 / 不该猜", f"{self.suggested_right} / {self.suggested_wrong} / "
                                                  f"{self.suggested_out}"),
        ]

    def table(self) -> str:
        rows = self.rows()
        width = max(display_width(name) for name, _ in rows)
        return "\n".join(f"{name}{' ' * (width - display_width(name))}  {value}" for name, value in rows)


def floor_percent(part: int, whole: int) -> str:
    """part/whole as a percentage floored to one decimal, in integers so that no float rounds it up."""
    tenths = part * 1000 // max(1, whole)
    return f"{tenths // 10}.{tenths % 10}%"


def ceil_percent(part: int, whole: int) -> str:
    """part/whole as a percentage rounded up to one decimal (for the errors: never shown smaller than they are)."""
    tenths = -(-part * 1000 // max(1, whole))
    return f"{tenths // 10}.{tenths % 10}%"


def display_width(text: str) -> int:
    """Columns a terminal gives text: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


# what each shipped set is for, said before its figures (`siyu eval` is read by operators)
SET_MEANINGS = {
    "tune": "调参集：阈值和同义词按它调，分数会偏高",
    "held-out": "留出集：从不拿来调参，看没见过的问法答得怎样",
    "fresh": "开发集：原是盲写集，第十二次会话看过它的错处（改标了一句），数字会偏高",
    "blind": "盲写集：没看过知识库的人照顾客口吻写的，量真实顾客的新说法",
    "blind2": "盲写集：只看过 FAQ 回答的人写的，量真实顾客的新说法",
    "blind3": "盲写集：只看过 FAQ 回答的人写的，量真实顾客的新说法",
    "blind5": "盲写集：只看过 FAQ 回答的人写的，只看总数，量真实顾客的新说法",
    "blind4": "开发集：原是盲写集，第十次会话起看过它的错处，数字会偏高",
    "blind6": "开发集：原是盲写集（第一次测 61.6%），第十二次会话起看过它的错处，数字会偏高",
    "blind7": "开发集：原是盲写集（第一次测 63.1%），第十三次会话起看过它的错处，数字会偏高",
    "blind8": "开发集：原是盲写集（第一次测 60.6%），第十五次会话起看过它的错处，数字会偏高",
    "labelled": "用 --set 指定的标注集",
}
_DECISIONS = {Decision.ANSWER: "回答了", Decision.CLARIFY: "反问", Decision.MISS: "没答上"}


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
        got = "".join(f" {answer}" for answer in result.answers)
        report.failures.append(f"该回答 “{query}”：应该是 {expected}，结果{_DECISIONS[result.decision]}{got}"
                               f"（{result.reason}）")
    for query in labelled.out_of_scope:
        result = understand(query)
        report.out_of_scope += 1
        report.suggested_out += bool(result.suggestion)
        if result.decision is Decision.ANSWER:
            report.false_answers += 1
            report.failures.append(f"误答 “{query}”：不该回答，却回答了 {' '.join(result.answers)}（{result.reason}）")
    for query, expected_all in labelled.several:
        result = understand(query)
        report.several += 1
        if set(expected_all) <= set(result.answers):
            report.several_ok += 1
        else:
            report.failures.append(f"一句几问 “{query}”：应该答 {' '.join(expected_all)}，"
                                   f"只答了 {' '.join(result.answers) or '（没有）'}")
    return report
