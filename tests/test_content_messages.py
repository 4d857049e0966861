"""Validation mistakes are said in Chinese at file:line, not in pydantic's English ("Input should be ...")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from tests.content_kit import problems_after

ENGLISH = ("Input should", "should have", "String should", "Value error", "valid dictionary", "instance of")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("knowledge/faq.yaml", "handover: true   #", "handover: ture   #",
         "knowledge/faq.yaml:40:15: entries.6.handover: 应为 true 或 false，现在写的是 “ture”"),
        ("knowledge/faq.yaml", "handover: true   #", "handover: 3   #", "entries.6.handover: 应为 true 或 false，现在写的是 3"),
        ("knowledge/faq.yaml", "entries:", "entries: 3\nx:", "knowledge/faq.yaml:3:10: entries: 应为列表，现在写的是 3"),
        ("flows/icebreak.yaml", "states:", "states: []\nx:",
         "flows/icebreak.yaml:4:9: states: 应为映射：一行一个“字段: 值”，现在是列表"),
        ("knowledge/followups.yaml", "churn_rate: 0.05", "churn_rate: lots",
         "knowledge/followups.yaml:14:15: pushy_alarm.churn_rate: 应为数字，现在写的是 “lots”"),
        ("knowledge/faq.yaml", "  - id: shipping_fee", "  - id: [shipping_fee]", "entries.4.id: 应为文字，现在是列表"),
    ],
)
def test_a_value_of_the_wrong_kind_is_said_in_chinese(content: Path, file: str, old: str, new: str,
                                                       expected: str) -> None:
    problems = problems_after(content, file, old, new)
    assert any(p.startswith(expected) or expected in p for p in problems), problems
    assert not any(word in p for p in problems for word in ENGLISH), problems


def test_an_empty_file_says_it_is_empty_and_what_it_needs(content: Path) -> None:
    (content / "knowledge" / "faq.yaml").write_text("# 还没写\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content)
    assert [str(p) for p in caught.value.problems] == ["knowledge/faq.yaml:1:1: 文件是空的：至少要写 entries:"]


def test_a_top_level_list_says_the_file_wants_fields(content: Path) -> None:
    (content / "knowledge" / "faq.yaml").write_text("- 包邮吗\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content)
    assert [str(p) for p in caught.value.problems] == [
        "knowledge/faq.yaml:1:1: （整个文件）: 应为映射：一行一个“字段: 值”，现在是列表 (expected a mapping)"]


def test_siyu_test_says_what_is_wrong_with_a_test_file_in_chinese(content: Path, tmp_path: Path) -> None:
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "empty.yaml").write_text("tests: []\n", encoding="utf-8")
    (tests / "steps.yaml").write_text("tests:\n  - name: x\n    steps:\n      - event: hello\n"
                                      "      - say: 好\n        decision: maybe\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "bot", "test", "--content", str(content), str(tests)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert f"{tests / 'empty.yaml'}:1:8: tests: 不能是空的：至少要写 1 项" in run.stdout, run.stdout
    assert (f"{tests / 'steps.yaml'}:4:16: tests.0.steps.0.event: 只能是 welcome / welcome_plain / enter_session / "
            "enter_from_welcome / handback / purchase / delete，现在写的是 “hello”") in run.stdout, run.stdout
    assert "decision: 只能是 recommend / ask_first / light / hold / none，现在写的是 “maybe”" in run.stdout
    assert not any(word in run.stdout for word in ENGLISH), run.stdout


def test_a_missing_answer_key_is_reported_at_the_faq_line_that_names_it(content: Path) -> None:
    problems = problems_after(content, "knowledge/faq.yaml", "answer_key: faq.damaged_item", "answer_key: faq.damaged")
    assert problems == ["knowledge/faq.yaml:55:17: damaged_item: answer_key “faq.damaged” 在人设 xiaowanzi 里没有这条文案"
                        "（persona/xiaowanzi.yaml 的 messages 里加上它，或者改成已有的名字）"], problems
