"""`siyu check` points where the operator has to type, and says it in words an operator uses (QA round 10, 15).

Each case breaks a copy of the bundled content and asserts the whole line the operator reads.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli_kit import run_siyu
from tests.content_kit import edit, problems_after

ROOT = Path(__file__).resolve().parent.parent


def _line_of(path: str, line: str) -> int:
    """The number of the first line of a bundled file that is exactly `line`: the test follows the file."""
    return (ROOT / path).read_text(encoding="utf-8").splitlines().index(line) + 1


MESSAGES = _line_of("persona/xiaowanzi.yaml", "messages:")
SHIPPING_TIME = _line_of("knowledge/faq.yaml", "  - id: shipping_time")
VC = _line_of("knowledge/faq.yaml", "    keywords: [vc, 维c, 维生素c]")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("persona/xiaowanzi.yaml", "\nmessages:\n", "\nmesages:\n",
         f"persona/xiaowanzi.yaml:{MESSAGES}:1: mesages: 不认识的字段 “mesages”；是不是 messages？"
         "可以写：address / channels / messages / name / self / style / surname"),
        ("knowledge/faq.yaml", "    questions: [多久发货", "    questons: [多久发货",
         f"knowledge/faq.yaml:{SHIPPING_TIME + 1}:5: 条目 shipping_time 的 questons: 不认识的字段 “questons”；"
         "是不是 questions / unless / unless_intents？"),
    ],
)
def test_an_unknown_key_is_pointed_at_the_key_not_its_value(content: Path, file: str, old: str, new: str,
                                                           expected: str) -> None:
    """`mesages:` has its value on the lines below: the operator must fix the key's line, not its first child's."""
    assert expected in problems_after(content, file, old, new)


WIDE_INDENT = "这一行开头是全角空格「　」：全角空格不能用来缩进，换成半角空格（和同一层的字段对齐）"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("knowledge/faq.yaml", "    answer: 16点前", "　　answer: 16点前",
         f"knowledge/faq.yaml:{SHIPPING_TIME + 3}:1: YAML 语法错误: {WIDE_INDENT}"),
        ("knowledge/faq.yaml", "    answer: 16点前", "  　answer: 16点前",
         f"knowledge/faq.yaml:{SHIPPING_TIME + 3}:3: YAML 语法错误: {WIDE_INDENT}"),
        ("persona/xiaowanzi.yaml", "\nmessages:\n", "\n　messages:\n", f"persona/xiaowanzi.yaml:{MESSAGES}:1: 　messages: {WIDE_INDENT}"),
    ],
)
def test_an_indent_of_full_width_spaces_is_named(content: Path, file: str, old: str, new: str, expected: str) -> None:
    """A Chinese input method types 「　」 for a space: PyYAML's “second ': '” would send the operator hunting colons."""
    problems = [without_line(p) for p in problems_after(content, file, old, new)]
    assert expected in problems, problems
    assert not any("第二个“: ”" in p for p in problems), problems



def without_line(problem: str) -> str:
    """A syntax error without the text of its line, which it ends with (｜第 N 行：…)."""
    return problem.split("｜第 ")[0]


BRACES = "YAML 语法错误: 花括号 { } 没有配对：少了 }"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("knowledge/faq.yaml", "  - id: shipping_courier", "  - id: {shipping_courier", f"knowledge/faq.yaml:5:9: {BRACES}"),
        ("knowledge/policy.yaml", "concern: concern ", "concern: {concern ", f"knowledge/policy.yaml:5:10: {BRACES}"),
        ("flows/icebreak.yaml", "when: {slot: {name: set}}", "when: {slot: {name: set}",
         f"flows/icebreak.yaml:7:15: {BRACES}"),  # the inner pair is closed: the outer { is the one to fix
        ("knowledge/policy.yaml", "concern: concern ", "concern: [concern ",
         "knowledge/policy.yaml:5:10: YAML 语法错误: 方括号 [ ] 没有配对：少了 ]，或者文字里带逗号、括号要加引号"),
        ("flows/icebreak.yaml", "  hello:\n", "  hello: {\n", f"flows/icebreak.yaml:5:10: {BRACES}"),  # then block lines
        ("flows/icebreak.yaml", "  hello:\n", "  hello: {say: x\n", f"flows/icebreak.yaml:5:10: {BRACES}"),
        ("flows/survey.yaml", "ask: {code: skin, save: skin_type}", 'ask: {code: "a{b", save: skin_type,  # {',
         f"flows/survey.yaml:31:10: {BRACES}"),  # a { in quotes or in a comment is not one YAML reads
    ],
)
def test_a_bracket_never_closed_is_pointed_at_where_it_was_opened(content: Path, file: str, old: str, new: str,
                                                                  expected: str) -> None:
    """PyYAML notices a missing } on the next line; the operator has to add it on the line of the {."""
    [problem] = problems_after(content, file, old, new)
    assert without_line(problem) == expected
    line = int(expected.split(":")[1])  # the line quoted is the line pointed at (it was the one after, at times)
    assert f"｜第 {line} 行：" in problem and new.strip().splitlines()[0] in problem.split("｜第 ")[1], problem


def test_a_line_opening_with_a_placeholder_is_told_to_be_quoted(content: Path) -> None:
    """- {name}，好久没聊啦 unquoted: YAML reads a flow mapping and stops after its }; PyYAML's words led the operator to
    the list's indentation (QA round 12). The hint says what to do."""
    problems = problems_after(content, "persona/xiaowanzi.yaml", "  recommend.offer:", "  recommend.offer:\n    - {product}挺适合你的～\n")
    assert len(problems) == 1 and "以 { 开头的文字" in problems[0] and "整句加引号" in problems[0], problems


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("flows/icebreak.yaml", "      - goto: ask_name", "      - gotoo: ask_name",
         "flows/icebreak.yaml:11:9: 状态 hello 的第 3 条 next 的 gotoo: 不认识的字段 “gotoo”；是不是 goto？"),
        ("flows/icebreak.yaml", "        goto: chat\n", "        goto: chat\n        sya: hi\n",
         "flows/icebreak.yaml:9:9: 状态 hello 的第 1 条 next 的 sya: 不认识的字段 “sya”；是不是 say？"),
        ("flows/welcome.yaml", "  - event: enter_session", "  - event: enter_session\n    intnet: x",
         "flows/welcome.yaml:11:5: 第 2 条 start_on 的 intnet: 不认识的字段 “intnet”；是不是 intent？"),
    ],
)
def test_a_flow_mistake_names_the_state_and_the_rule_by_its_place(content: Path, file: str, old: str, new: str,
                                                                  expected: str) -> None:
    """Flow rules have no id: `states.hello.next.0.gotoo` was programmer talk, counted from 0. The operator reads
    the state's name and the rule's place as an editor counts it; the other rules of the state, valid as
    written, are not blamed for the one left out (no “next 的最后一条不能带 when”)."""
    assert problems_after(content, file, old, new) == [expected]



def test_a_mistake_in_the_states_themselves_is_said_of_the_states(content: Path) -> None:
    """`states: {}` has no state to name: the where is the field, not a crash of siyu check."""
    (content / "flows" / "survey.yaml").write_text("start: nowhere\nstates: {}\n", encoding="utf-8")
    assert "flows/survey.yaml:2:9: states: 不能是空的：至少要写 1 项" in problems_after(content, "flows/survey.yaml", "", "")


THANKS = _line_of("persona/xiaowanzi.yaml", "  survey.thanks:")


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("persona/xiaowanzi.yaml", "  icebreak.ask_name:\n", "  icebreak.name_please:\n",
         "flows/icebreak.yaml:13:10: 文案 “icebreak.ask_name” 在人设 xiaowanzi 里不存在；"
         "是不是 icebreak.ask_name_again / icebreak.any_name / icebreak.no_name？"),
        ("persona/xiaowanzi.yaml", "收到～我都记在", "收到～{nmae}我都记在",
         f"persona/xiaowanzi.yaml:{THANKS + 1}:7: survey.thanks: 变量 {{nmae}} 没有任何流程会设置；是不是 {{name}}？"),
        ("persona/xiaowanzi.yaml", "收到～我都记在", "收到～{xyzzy}我都记在",
         f"persona/xiaowanzi.yaml:{THANKS + 1}:7: survey.thanks: 变量 {{xyzzy}} 没有任何流程会设置"),  # nothing close
        ("knowledge/codebook.yaml", "say: stage.weaned}", "say: stage.weanedd}",
         "knowledge/codebook.yaml:54:89: stage 的 moves: say “stage.weanedd” 在人设 xiaowanzi 里没有这条文案"
         "（persona/xiaowanzi.yaml 的 messages 里加上它）；是不是 stage.weaned？"),
    ],
)
def test_a_missing_persona_text_or_variable_names_the_closest_that_exists(content: Path, file: str, old: str,
                                                                         new: str, expected: str) -> None:
    """The README promises an unknown name comes with the names meant: persona keys and variables too."""
    assert problems_after(content, file, old, new) == [expected]


def test_a_content_file_far_too_big_is_refused_before_it_is_parsed(content: Path) -> None:
    """A 300 MB faq.yaml (a log pasted in) took 40 s to parse and then passed: it is one clear line instead."""
    line = "# " + "粘进来的日志" * 16 + "\n"
    with (content / "knowledge" / "faq.yaml").open("a", encoding="utf-8") as faq:
        faq.write(line * (6 * 1024 * 1024 // len(line.encode())))
    assert problems_after(content, "knowledge/faq.yaml", "", "") == [
        "knowledge/faq.yaml:1:1: 文件太大（6 MB），内容文件最多 5 MB，这次没有读它：多半是粘进了日志或导出的大段文字，"
        "删掉多余的部分（写好的内容文件一般只有几十 KB）"]


def _check(root: Path) -> subprocess.CompletedProcess[str]:
    return run_siyu("check", str(root))  # in this process, as a subprocess would (tests/cli_kit.py)


def test_a_keyword_or_question_written_twice_in_one_entry_is_a_warning_at_the_second(content: Path) -> None:
    """`国外` twice in one entry's keywords adds nothing and is usually a paste: said at the second, the content
    still loads. A synonym is not a repeat (视黄醇 and a醇 read the same but were written on purpose)."""
    assert "写了两次" not in _check(content).stdout  # the bundled FAQ has none
    edit(content, "knowledge/faq.yaml", "当天发]", "当天发, 发出]")
    edit(content, "knowledge/faq.yaml", "付款后多久发出]", "付款后多久发出, 多久发货]")
    edit(content, "knowledge/faq.yaml", "keywords: [vc, 维c", "keywords: [vc, ＶＣ, 维c")  # full-width, upper case
    done = _check(content)
    assert done.returncode == 0 and done.stdout.startswith("OK"), done.stdout
    line = SHIPPING_TIME + 1
    assert [row for row in done.stdout.splitlines() if "写了两次" in row] == [
        "   FAQ: 3 处关键词或问法在同一条里写了两次（不影响加载）",
        f"knowledge/faq.yaml:{line}:66: 提醒: 条目 shipping_time 的问法 “多久发货” 写了两次"
        f"（第一次在 knowledge/faq.yaml:{line}:17）：删掉这一个",
        f"knowledge/faq.yaml:{line + 1}:55: 提醒: 条目 shipping_time 的关键词 “发出” 写了两次"
        f"（第一次在 knowledge/faq.yaml:{line + 1}:42）：删掉这一个",
        f"knowledge/faq.yaml:{VC}:20: 提醒: 条目 ingredient_vc 的关键词 “ＶＣ” 写了两次（第一次在 knowledge/faq.yaml:{VC}:16）：删掉这一个"]
