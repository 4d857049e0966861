"""The mistakes a new operator made in a walkthrough of the sample (session 12): each is one file:line message that
says what to change — indentation by a space too many or too few says which lines to align and how many spaces each
has (PyYAML's 'mapping values are not allowed' read as 「一行里有第二个“: ”」 at the wrong line), a key written twice
says where it was first written, and a list item whose “- ” was left out is said to be that, once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.content_kit import problems_after


def _line(content: Path, file: str, text: str) -> int:
    return next(n for n, line in enumerate((content / file).read_text(encoding="utf-8").splitlines(), 1)
                if line == text)


@pytest.mark.parametrize(("file", "old", "new", "wrong", "expected"), [
    # a field one space short in a state: the line after it is where PyYAML stops
    ("flows/survey.yaml", "    say: survey.skin\n", "   say: survey.skin\n", "   say: survey.skin",
     "第 {n} 行前面是 3 个空格，第 {n1} 行是 4 个：同一层的字段要上下对齐"),
    # goto of a rule written under the rule's “- ” instead of beside option
    ("flows/survey.yaml", "      - option: any\n        goto: concern", "      - option: any\n      goto: concern",
     "      goto: concern", "第 {n} 行前面是 6 个空格，要和第 {p} 行“- ”后面的 “option” 对齐（前面 8 个空格）"),
    # a persona line one space short among the lines of its key
    ("persona/xiaowanzi.yaml", "    - 欢迎欢迎～我是小丸子", "   - 欢迎欢迎～我是小丸子", None,
     "第 {n} 行前面是 3 个空格，上一项（第 {p} 行）是 4 个：同一个列表里每一项的“- ”要上下对齐"),
    # an FAQ field one space short
    ("knowledge/faq.yaml", "    answer: 默认发中通", "   answer: 默认发中通", None,
     "第 {n} 行前面是 3 个空格，可上面同一段的第"),
    # an FAQ field two spaces too deep: the field above is where it should align
    ("knowledge/faq.yaml", "就行哦～\n    tags: [物流]", "就行哦～\n      tags: [物流]", "      tags: [物流]",
     "第 {p} 行前面是 4 个空格，第 {n} 行是 6 个：同一层的字段要上下对齐"),
])
def test_a_line_indented_unlike_its_neighbours_says_which_lines_and_how_many_spaces(
        content: Path, file: str, old: str, new: str, wrong: str | None, expected: str) -> None:
    problems = problems_after(content, file, old, new)
    text = (content / file).read_text(encoding="utf-8")
    first = new.splitlines()[-1] if wrong is None else wrong
    n = _line(content, file, first) if wrong is not None else next(
        i for i, line in enumerate(text.splitlines(), 1) if line.startswith(first) and first in new)
    message = expected.format(n=n, n1=n + 1, p=n - 1)
    assert len(problems) == 1 and message in problems[0], (message, problems)
    assert problems[0].startswith(f"{file}:"), problems


def test_a_colon_in_an_answer_is_still_said_to_need_quotes(content: Path) -> None:
    problems = problems_after(content, "knowledge/faq.yaml", "    answer: 默认发中通，", "    answer: 注意: 默认发中通，")
    assert len(problems) == 1 and "一行里有第二个“: ”：文字里带冒号就整句加引号" in problems[0], problems


def test_a_key_written_twice_says_where_it_was_first_written(content: Path) -> None:
    problems = problems_after(content, "flows/survey.yaml", "  skin:\n    say: survey.skin\n",
                              "  skin:\n    say: survey.skin\n  skin:\n    say: survey.skin\n")
    first = _line(content, "flows/survey.yaml", "  skin:")
    assert any(f"重复的键 “skin”：同一层里这个字段写了两次（第一次在第 {first} 行），只留一个" in p
               for p in problems), problems


def test_an_faq_entry_without_its_dash_is_one_problem_naming_the_dash(content: Path) -> None:
    problems = problems_after(content, "knowledge/faq.yaml", "  - id: shipping_time\n", "    id: shipping_time\n")
    line = _line(content, "knowledge/faq.yaml", "    id: shipping_time")
    twice = [p for p in problems if "重复的键" in p]
    assert len(twice) == 1, problems
    assert twice[0].startswith(f"knowledge/faq.yaml:{line}:5: 重复的键 id、questions、keywords、answer、tags："), twice
    assert f"如果第 {line} 行起是新的一项，开头少了“- ”" in twice[0]


def test_a_survey_question_without_its_options_is_a_warning_at_its_line(content: Path) -> None:
    """survey.skin written as 「回数字就行：」 without {options}: she is asked for a number she never sees."""
    persona = content / "persona" / "xiaowanzi.yaml"
    persona.write_text(persona.read_text(encoding="utf-8").replace(
        "    - 你的肤质更接近哪种呀？回数字就行：{options}", "    - 你的肤质更接近哪种呀？回数字就行："), encoding="utf-8")
    line = _line(content, "persona/xiaowanzi.yaml", "    - 你的肤质更接近哪种呀？回数字就行：")
    result = subprocess.run([sys.executable, "-m", "bot", "check", str(content)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout  # a warning: the content loads
    assert "人设: 1 句调研提问没有写 {options}" in result.stdout, result.stdout
    assert (f"persona/xiaowanzi.yaml:{line}:7: survey.skin 是流程 survey.skin 的提问，这一句没有写 {{options}}"
            in result.stdout), result.stdout


@pytest.mark.parametrize(("old", "new", "said"), [
    ("negations: [不, 没,", "negations: [不，没,", "negations: negations 列表里有全角逗号「，」（“不，没” 会被当成一项）"),
    ("filler: [请问, 问一下,", "filler: [请问，问一下,", "“请问，问一下” 会被当成一项"),
    ("how_long: [多久, 多长时间,", "how_long: [多久，多长时间,", "“多久，多长时间” 会被当成一项"),
    ("    - [退款, 退钱, 返款, refund]", "    - [退款，退钱, 返款, refund]", "“退款，退钱” 会被当成一项"),
    ("confusions: [已己巳, 未末,", "confusions: [已己巳、未末,", "confusions 列表里有顿号「、」"),
])
def test_a_full_width_comma_in_a_matching_word_list_is_an_error_at_its_line(content: Path, old: str, new: str,
                                                                           said: str) -> None:
    """「negations: [不，没, …]」 loaded as one negation 不，没 that nobody types: 不想退 then read as 想退."""
    problems = problems_after(content, "knowledge/matching.yaml", old, new)
    line = _line(content, "knowledge/matching.yaml", next(
        text for text in (content / "knowledge/matching.yaml").read_text(encoding="utf-8").splitlines()
        if new in text))
    assert any(p.startswith(f"knowledge/matching.yaml:{line}:") and said in p for p in problems), problems
