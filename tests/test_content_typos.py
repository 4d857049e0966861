"""Full-width punctuation from a Chinese input method, where YAML needs `,` and `:`: reported at file:line in
Chinese, instead of one silent keyword “包邮，运费” or PyYAML's English."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from tests.cli_kit import run_siyu
from tests.content_kit import edit, problems_after

COMMA = "全角逗号「，」"


@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        ("knowledge/faq.yaml", "keywords: [包邮, 运费,", "keywords: [包邮，运费,", "knowledge/faq.yaml:27:16: keywords: 关键词"),
        ("knowledge/faq.yaml", "tags: [物流]\n  - id: shipping_time", "tags: [物流，订单]\n  - id: shipping_time",
         "knowledge/faq.yaml:9:12: tags: tags 列表"),
        ("knowledge/intents.yaml", "keywords: [好的呀, 可以呀,", "keywords: [好的呀，可以呀,", "knowledge/intents.yaml:10:16:"),
        ("knowledge/products.yaml", "fits: [痘痘, 油皮]", "fits: [痘痘，油皮]", "knowledge/products.yaml:"),
        ("knowledge/intents.yaml", "unless: [太贵, 贵的,", "unless: [太贵，贵的,", "knowledge/intents.yaml:"),
        ("knowledge/policy.yaml", "unless: [不急, 不用急,", "unless: [不急，不用急,", "knowledge/policy.yaml:"),
    ],
)
def test_a_full_width_comma_in_a_list_of_words_is_reported_where_it_was_typed(content: Path, file: str, old: str,
                                                                              new: str, where: str) -> None:
    problems = problems_after(content, file, old, new)
    assert len(problems) == 1 and problems[0].startswith(where) and COMMA in problems[0], problems
    assert "YAML 列表要用半角逗号 , 分开" in problems[0]


def test_siyu_check_reports_the_full_width_comma_and_fails(content: Path) -> None:
    edit(content, "knowledge/faq.yaml", "keywords: [包邮, 运费,", "keywords: [包邮，运费,")
    bad = run_siyu("check", str(content))
    assert bad.returncode == 1
    assert "knowledge/faq.yaml:27:16: keywords: 关键词里有全角逗号「，」（“包邮，运费” 会被当成一项）" in bad.stdout


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        # a question may be one sentence with a comma; quoted text is written on purpose
        ("knowledge/faq.yaml", "questions: [包邮吗,", "questions: [我在新疆，包邮吗,"),
        ("knowledge/faq.yaml", "keywords: [包邮, 运费,", "keywords: [\"包邮，运费\", 运费,"),
        ("knowledge/intents.yaml", "examples: [好, 好的,", "examples: [好的，收到, 好的,"),
        ("persona/xiaowanzi.yaml", "  welcome:\n", "  welcome.tip:\n    - Tips：记得防晒\n    - 注意：早晚都要涂\n  welcome:\n"),
    ],
)
def test_full_width_punctuation_in_sentences_is_left_alone(content: Path, file: str, old: str, new: str) -> None:
    edit(content, file, old, new)
    load_content(content)


COLON = "全角冒号「：」：字段名后面要用半角冒号 :"


@pytest.mark.parametrize(
    ("file", "old", "new", "where"),
    [
        ("knowledge/faq.yaml", "    answer: 全场满59元", "    answer：全场满59元", "knowledge/faq.yaml:28:5: YAML 语法错误: “answer”"),
        ("knowledge/faq.yaml", "  - id: shipping_fee", "  - id：shipping_fee", "knowledge/faq.yaml:25:5: YAML 语法错误: “id”"),
        ("flows/icebreak.yaml", "start: hello", "start：hello", "flows/icebreak.yaml:3:1: YAML 语法错误: “start”"),
    ],
)
def test_a_full_width_colon_after_a_field_name_is_reported_in_chinese(content: Path, file: str, old: str, new: str,
                                                                      where: str) -> None:
    problems = problems_after(content, file, old, new)
    assert len(problems) == 1 and problems[0].startswith(where) and COLON in problems[0], problems
    assert "could not find" not in problems[0]


def test_a_list_item_written_with_a_full_width_colon_is_pointed_at(content: Path) -> None:
    path = content / "knowledge" / "faq.yaml"
    lines = path.read_text(encoding="utf-8").count("\n")
    path.write_text(path.read_text(encoding="utf-8") + "  - answer：好的\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content)
    problems = [str(p) for p in caught.value.problems]
    assert problems == [f"knowledge/faq.yaml:{lines + 1}:5: “answer” 后面是{COLON}（冒号后再空一格），比如 answer: …"]


def test_a_moderation_phrase_with_a_comma_is_not_a_typo(content: Path) -> None:
    edit(content, "knowledge/moderation.yaml", "safe_words: [小姐姐,", "safe_words: [小姐姐，小姐妹,")
    load_content(content)


def test_a_list_comma_typed_as_a_dunhao_is_reported_too(content: Path) -> None:
    problems = problems_after(content, "knowledge/faq.yaml", "keywords: [包邮, 运费,", "keywords: [包邮、运费,")
    assert len(problems) == 1 and problems[0].startswith("knowledge/faq.yaml:27:16:") and "顿号「、」" in problems[0]


def _check(content: Path) -> subprocess.CompletedProcess[str]:
    return run_siyu("check", str(content))


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "split"),
    [
        ("knowledge/faq.yaml", "questions: [包邮吗, 运费多少,", "questions: [包邮吗，运费谁出, 运费多少,",
         "knowledge/faq.yaml:26:17: questions: “包邮吗，运费谁出”", "[包邮吗, 运费谁出]"),
        ("knowledge/intents.yaml", "examples: [好, 好的,", "examples: [好, 好的，可以,",
         "knowledge/intents.yaml:7:19: examples: “好的，可以”", "[好的, 可以]"),
    ],
)
def test_a_full_width_comma_in_questions_or_examples_is_a_warning_with_file_line_and_a_hint(
        content: Path, file: str, old: str, new: str, where: str, split: str) -> None:
    """QA round 6: `questions: [怎么退货，运费谁出]` silently made one question nobody asks. A question may be one
    sentence with a comma, so it is a warning (the content loads), saying how to split it or keep it."""
    edit(content, file, old, new)
    result = _check(content)
    assert result.returncode == 0, result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith(where))
    assert "全角逗号「，」" in line and f"用半角逗号 , 分开：{split}" in line and "加上引号" in line
    assert "提醒: 1 处问法/例句里有全角逗号（不影响加载）" in result.stdout


def test_a_quoted_question_with_a_comma_is_not_warned_about(content: Path) -> None:
    edit(content, "knowledge/faq.yaml", "questions: [包邮吗, 运费多少,", "questions: [\"我在新疆，包邮吗\", 运费多少,")
    result = _check(content)
    assert result.returncode == 0 and "全角逗号" not in result.stdout, result.stdout


def test_the_comma_warning_is_shown_also_when_the_check_fails(content: Path) -> None:
    edit(content, "knowledge/faq.yaml", "questions: [包邮吗, 运费多少,", "questions: [包邮吗，运费谁出, 运费多少,")
    edit(content, "knowledge/faq.yaml", "keywords: [包邮, 运费,", "keywords: [包邮，运费,")
    result = _check(content)
    assert result.returncode == 1
    assert "knowledge/faq.yaml:26:17: questions: “包邮吗，运费谁出”" in result.stdout
