"""One `siyu check` run shows every file's problems: a YAML syntax error in one file does not hide the schema
and reference mistakes of the others (an operator fixing one file per round would need many rounds)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from tests.content_kit import edit


def _problems(root: Path) -> tuple[list[str], str]:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return [str(p) for p in caught.value.problems], getattr(caught.value, "note", "")


def test_a_syntax_error_does_not_hide_the_mistakes_of_other_files(content: Path) -> None:
    edit(content, "knowledge/faq.yaml", "  - id: shipping_fee", "  - id: shipping_fee\n    tags: [物流")
    edit(content, "persona/xiaowanzi.yaml", "name: 小丸子", "name: [小丸子")
    edit(content, "flows/survey.yaml", "goto: skin", "goto: skn")
    edit(content, "knowledge/followups.yaml", "say: followup.tip\n", "sya: followup.tip\n")
    edit(content, "knowledge/policy.yaml", "intents: [cold]", "intents: [cool]")
    problems, note = _problems(content)
    files = {p.split(":")[0] for p in problems}
    assert {"knowledge/faq.yaml", "persona/xiaowanzi.yaml", "flows/survey.yaml", "knowledge/followups.yaml",
            "knowledge/policy.yaml"} <= files, problems
    assert any(p.startswith("knowledge/faq.yaml:") and "YAML 语法错误" in p for p in problems), problems
    assert any(p.startswith("persona/xiaowanzi.yaml:") and "YAML 语法错误" in p for p in problems), problems
    assert any("goto 指向不存在的状态 “skn”" in p for p in problems), problems
    assert any("不认识的字段 “sya”" in p for p in problems), problems
    assert any("没有意图 “cool”" in p for p in problems), problems
    # flows name FAQ ids and persona keys: with those files unread, nothing about them is claimed
    assert not any("没有 FAQ" in p or "在人设 xiaowanzi 里不存在" in p for p in problems), problems
    assert note.startswith("没读通的文件：knowledge/faq.yaml、persona/xiaowanzi.yaml"), note


def test_a_schema_error_in_one_flow_does_not_hide_reference_errors_in_another(content: Path) -> None:
    edit(content, "flows/icebreak.yaml", "    say: icebreak.chat\n", "    say: icebreak.chat\n    sya: x\n")
    edit(content, "flows/survey.yaml", "goto: skin", "goto: skn")
    edit(content, "knowledge/codebook.yaml", "evidence: want}", "evidence: wnat}")
    problems, note = _problems(content)
    assert any(p.startswith("flows/icebreak.yaml:") and "sya" in p for p in problems), problems
    assert any(p.startswith("flows/survey.yaml:") and "skn" in p for p in problems), problems
    assert any(p.startswith("knowledge/codebook.yaml:") and "wnat" in p for p in problems), problems
    # the unread flow may set variables and tags others use: those are not reported as missing
    assert not any("没有任何流程会设置" in p or "没有任何流程会打上" in p for p in problems), problems
    assert "flows/icebreak.yaml" in note


def test_siyu_check_shows_groups_problems_with_broken_content_and_says_what_it_skipped(content: Path) -> None:
    shutil.copytree(Path(__file__).resolve().parent.parent / "groups", content / "groups")
    edit(content, "knowledge/faq.yaml", "  - id: shipping_fee", "  - id: shipping_fee\n    tags: [物流")
    edit(content, "groups/types.yaml", "default: daily", "default: dayly")
    run = subprocess.run([sys.executable, "-m", "bot", "check", str(content)], capture_output=True, text=True)
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert any(line.startswith("knowledge/faq.yaml:") and "YAML 语法错误" in line for line in lines), run.stderr
    assert any(line.startswith("groups/types.yaml:13:10: default 指向不存在的群类型 “dayly”") for line in lines), lines
    assert sum(line.startswith("没读通的文件：") for line in lines) == 1, lines
    assert lines[-1].startswith("2 个问题，内容没有加载"), lines
