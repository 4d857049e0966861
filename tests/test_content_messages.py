"""Validation mistakes are said in Chinese at file:line, not in pydantic's English ("Input should be ...")."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from tests.cli_kit import run_siyu
from tests.content_kit import problems_after

ENGLISH = ("Input should", "should have", "String should", "Value error", "valid dictionary", "instance of")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("knowledge/faq.yaml", "handover: true   #", "handover: ture   #",
         "knowledge/faq.yaml:40:15: 条目 change_address 的 handover: 应为 true 或 false，现在写的是 “ture”"),
        ("knowledge/faq.yaml", "handover: true   #", "handover: 3   #", "条目 change_address 的 handover: 应为 true 或 false，现在写的是 3"),
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
        "knowledge/faq.yaml:1:1: （整个文件）: 应为映射：一行一个“字段: 值”，现在是列表"]


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
    assert (f"{tests / 'steps.yaml'}:4:16: 第 1 个测试（x）第 1 步的 event: 只能是 welcome / welcome_plain / enter_session / "
            "enter_from_welcome / handback / purchase / delete，现在写的是 “hello”") in run.stdout, run.stdout
    assert "decision: 只能是 recommend / ask_first / light / hold / none，现在写的是 “maybe”" in run.stdout
    assert not any(word in run.stdout for word in ENGLISH), run.stdout


def test_a_missing_answer_key_is_reported_at_the_faq_line_that_names_it(content: Path) -> None:
    problems = problems_after(content, "knowledge/faq.yaml", "answer_key: faq.damaged_item", "answer_key: faq.damaged")
    lines = (content / "knowledge" / "faq.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "answer_key: faq.damaged" in text)  # follows the file
    assert problems == [f"knowledge/faq.yaml:{line}:17: damaged_item: answer_key “faq.damaged” 在人设 xiaowanzi 里没有这条文案"
                        "（persona/xiaowanzi.yaml 的 messages 里加上它，或者改成已有的名字）；是不是 faq.damaged_item？"], problems


# A message an operator cannot act on: pydantic's or PyYAML's English, or an English gloss in brackets.
ENGLISH_GLOSS = re.compile(r"\((?:[a-z]+[ ;,?]*){2,}\)|\b(?:did not|expected|found|should|required|unknown|"
                           r"duplicate|missing|typo|dead end|unreachable|invalid)\b", re.IGNORECASE)


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("knowledge/faq.yaml", "handover: true   #", "handover: ture   #", "条目 change_address 的 handover: "),
        ("knowledge/products.yaml", "    fits: [敏感肌, 泛红]", "    fits: []", "knowledge/products.yaml:9:11: 条目 calm_serum 的 fits: 不能是空的"),
        ("knowledge/moderation.yaml", "  - id: ad_strong\n", "  - id: ad_strong\n    wieght: 3\n",
         "条目 ad_strong 的 wieght: 不认识的字段 “wieght”；是不是 weight？"),
        ("knowledge/faq.yaml", "    tags: [物流]", "    tag: [物流]", "knowledge/faq.yaml:9:5: 条目 shipping_courier 的 tag: "),
    ],
)
def test_an_entry_is_named_by_its_id_not_its_position(content: Path, file: str, old: str, new: str,
                                                     expected: str) -> None:
    problems = problems_after(content, file, old, new)
    assert any(expected in p for p in problems), problems
    assert not any(".0." in p or ".6." in p for p in problems), problems


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("flows/survey.yaml", "      - intent: affirm\n        goto: skin", "      - intent: afirm\n        goto: skin",
         "flows/survey.yaml:13:17: 没有意图 “afirm”（knowledge/intents.yaml）；是不是 affirm？"),
        ("flows/survey.yaml", "goto: skin", "goto: skn",
         "goto 指向不存在的状态 “skn”；是不是 skin？可以写：concern / done / goal / intro / skin"),
        ("flows/recommend.yaml", "evidence: refusal", "evidence: refusl",
         "knowledge/policy.yaml 里没有证据类型 “refusl”；是不是 refusal？可以写：ask / cold / pain / refusal / repeat / "
         "silence / urgent / want"),
        ("knowledge/faq.yaml", "not_asked_as: [can", "not_asked_as: [cann",
         "matching.yaml 的 kinds 里没有问题类型 “cann”；是不是 can？"),
        ("knowledge/faq.yaml", "not_asked_as: [can", "not_asked_as: [buy",
         "matching.yaml 的 kinds 里没有问题类型 “buy”；可以写："),
        ("knowledge/policy.yaml", "intents: [cold]", "intents: [cool]", "没有意图 “cool”（knowledge/intents.yaml）；是不是 cold"),
        ("flows/survey.yaml", "ask: {code: skin,", "ask: {code: skn,", "编码本里没有题目 “skn”（knowledge/codebook.yaml）；是不是 skin？"),
        ("knowledge/faq.yaml", "    tags: [物流]", "    tag: [物流]", "不认识的字段 “tag”；是不是 tags？"),
    ],
)
def test_an_unknown_name_says_what_it_could_be(content: Path, file: str, old: str, new: str, expected: str) -> None:
    problems = problems_after(content, file, old, new)
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("knowledge/faq.yaml", "    questions: [发什么快递", "    qs: [发什么快递"),  # missing field + unknown field
        ("knowledge/faq.yaml", "  - id: shipping_fee", "  - id: Shipping-Fee"),  # an id pydantic checks by regex
        ("knowledge/faq.yaml", "  - id: shipping_time", "  - id: shipping_courier"),  # duplicate id
        ("knowledge/faq.yaml", "    answer: 默认发中通", "    answer_key: x\n    answer: 默认发中通"),
        ("knowledge/faq.yaml", "    tags: [物流]", "    tags: [物流]\n    tags: [物流]"),  # duplicate key
        ("knowledge/faq.yaml", "    tags: [物流]", "\ttags: [物流]"),  # a tab
        ("knowledge/faq.yaml", "    tags: [物流]", "  tags: [物流]\n   x: y"),  # indentation
        ("knowledge/intents.yaml", "    keywords: [好的呀, 可以呀, 没问题]", "    keywords: [好的呀, '', 没问题]"),
        ("knowledge/intents.yaml", "    keywords: [好的呀, 可以呀, 没问题]", "    keywords: 好的呀"),
        ("knowledge/products.yaml", "    fits: [敏感肌, 泛红]", "    fits: []"),
        ("knowledge/products.yaml", "  - id: calm_serum", "  - id: calm_serum\n  - id: calm_serum"),
        ("knowledge/matching.yaml", "near_miss: 59.8", "near_miss: 80"),
        ("knowledge/matching.yaml", "  kinds:", "  kinds:\n    foo: []"),
        ("knowledge/policy.yaml", "session_gap: 30m", "session_gap: 30"),
        ("knowledge/policy.yaml", "  refusal: {weight: -3}", ""),
        ("knowledge/policy.yaml", "flow: recommend ", "flow: recomend "),
        ("knowledge/codebook.yaml", '"2": {label: 油皮', '"2": {label: 干皮'),
        ("knowledge/codebook.yaml", '      A: {label', '      A-1: {label'),
        ("knowledge/followups.yaml", "window: 1d-2d", "window: 1-2"),
        ("knowledge/followups.yaml", "tags_none: [冷淡]}\n        why: 加好友后第1天", "tags_none: [冷談]}\n        why: 加好友后第1天"),
        ("knowledge/moderation.yaml", "  - id: ad_medium", "  - id: ad_strong"),
        ("flows/survey.yaml", "mark: surveyed", "mark: surveyd"),
        ("flows/survey.yaml", "        goto: concern\n", "        goto: concern\n        end: true\n"),
        ("flows/icebreak.yaml", "start: hello", "start: [hello"),
        ("flows/welcome.yaml", "      - intent: deny\n", "      - silence: 1 day\n"),
        ("persona/xiaowanzi.yaml", "name: 小丸子", "name: [小丸子]"),
        ("persona/xiaowanzi.yaml", "  fallback:", "  fallbak:"),
        ("persona/xiaowanzi.yaml", "想更懂你的皮肤一点，", "全网第一，想更懂你的皮肤一点{name，"),
        ("persona/rules.yaml", "max_length:", "max_len:"),
    ],
)
def test_every_message_is_plain_chinese(content: Path, file: str, old: str, new: str) -> None:
    problems = problems_after(content, file, old, new)
    english = [p for p in problems if ENGLISH_GLOSS.search(p.split(": ", 1)[1])]
    assert not english, english


def test_a_bad_regex_in_a_conversation_test_is_one_line_not_a_crash(content: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("tests:\n  - name: x\n    steps:\n      - say: 你好\n        expect: [\"~[abc\"]\n",
                                       encoding="utf-8")
    run = run_siyu("test", "--content", str(content), str(tmp_path / "bad.yaml"))  # tests/cli_kit.py
    assert run.returncode == 1
    assert "Traceback" not in run.stderr, run.stderr
    assert f"{tmp_path / 'bad.yaml'}:5:17: 第 1 个测试（x）第 1 步的 expect: “~[abc” 不是能用的正则" in run.stdout, run.stdout


def test_a_missing_persona_key_names_the_key_that_was_probably_meant(content: Path) -> None:
    problems = problems_after(content, "persona/xiaowanzi.yaml", "  fallback:", "  fallbak:")
    assert any("缺少引擎要用的文案 “fallback”" in p and "messages 里有 “fallbak”，是不是它写错了？" in p
               for p in problems), problems
    problems = problems_after(content, "knowledge/followups.yaml", "say: followup.care", "say: followup.caer")
    assert any("文案 “followup.caer” 在人设 xiaowanzi 里不存在（人设里有 “followup.care”" in p for p in problems), problems


def test_a_wrong_start_is_one_line_not_every_state_unreachable(content: Path) -> None:
    problems = problems_after(content, "flows/survey.yaml", "start: intro", "start: intr")
    assert problems == ["flows/survey.yaml:8:8: start 指向不存在的状态 “intr”；是不是 intro？"
                        "可以写：concern / done / goal / intro / skin"], problems
