"""`siyu eval` is read by operators (QA round 6): its labels are Chinese, each set says what it is for, a share
is floored (94.96% is 94.9%, never 95.0%) and an error rate rounded up, and the content folder is named once."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.understanding.evaluation import Report, ceil_percent, display_width, floor_percent
from tests.cli_kit import run_siyu


@pytest.mark.parametrize(("part", "whole", "shown"), [
    (9496, 10000, "94.9%"), (1, 86, "1.1%"), (384, 403, "95.2%"), (2, 3, "66.6%"), (1, 1, "100.0%"), (0, 0, "0.0%"),
])
def test_a_share_is_floored_to_one_decimal(part: int, whole: int, shown: str) -> None:
    assert floor_percent(part, whole) == shown


@pytest.mark.parametrize(("part", "whole", "shown"), [
    (1, 86, "1.2%"), (116, 10000, "1.2%"), (110, 10000, "1.1%"), (0, 30, "0.0%"), (0, 0, "0.0%"), (3, 3, "100.0%"),
])
def test_an_error_rate_is_rounded_up(part: int, whole: int, shown: str) -> None:
    assert ceil_percent(part, whole) == shown


def test_the_table_says_right_wrong_and_false_in_chinese() -> None:
    report = Report(in_scope=10000, top1=9496, wrong_answers=3, out_of_scope=86, false_answers=1)
    table = report.table()
    assert "正确（top-1：答的正是标注的那条 FAQ）" in table and "94.9%" in table and "95.0%" not in table
    assert "答错（答成了别的 FAQ）" in table and "误答（不该回答却回答了）" in table and "1.2%" in table
    assert "accuracy" not in table and "false answers" not in table
    columns = {display_width(line[:line.rindex(value)]) for line, (_, value) in zip(table.splitlines(), report.rows(),
                                                                            strict=True)}
    assert len(columns) == 1  # the figures line up in one column (a Chinese character is two columns wide)


def test_siyu_eval_names_the_folder_once_and_explains_each_set() -> None:
    result = subprocess.run([sys.executable, "-m", "bot", "eval"], capture_output=True, text=True, check=True)
    both = result.stdout + result.stderr
    assert both.count("内容目录") == 1, both
    assert "[tune] 调参集：" in result.stdout and "[held-out] 留出集：" in result.stdout
    assert "[fresh] 开发集：" in result.stdout and "[blind2] 盲写集：" in result.stdout
    assert "in-scope" not in result.stdout and "误答（不该回答却回答了）" in result.stdout


def test_siyu_eval_failures_say_what_was_expected_in_chinese() -> None:
    done = run_siyu("eval", "--failures")  # in this process (tests/cli_kit.py); the test above starts one
    done.check_returncode()
    out = done.stdout
    assert "该回答 “" in out and "：应该是 " in out and "expected" not in out
