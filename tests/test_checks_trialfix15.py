"""trial15: one mistyped goto gave two errors — the goto, and 「状态 … 从 start 走不到」 for the state it meant —
though docs/authoring.md says whole-flow checks wait until the broken item is fixed; and `siyu test --coverage`
named rules from 0 (icebreak.chat.on[3]) where `siyu check` says 「状态 chat 的第 4 条 on」."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from bot.tools.convtest import rule_name
from tests.content_kit import edit


def test_a_mistyped_goto_is_one_error(content: Path) -> None:
    edit(content, "flows/icebreak.yaml", "      - goto: ask_name", "      - goto: ask_nmae")
    with pytest.raises(ContentError) as caught:
        load_content(content)
    problems = [str(p) for p in caught.value.problems if str(p).startswith("flows/icebreak.yaml")]
    assert len(problems) == 1 and "goto 指向不存在的状态 “ask_nmae”" in problems[0], problems


def test_coverage_names_a_rule_as_check_does_counted_from_one() -> None:
    assert rule_name("icebreak.chat.on[3]") == "icebreak 状态 chat 的第 4 条 on"
    assert rule_name("welcome.hello.next[0]") == "welcome 状态 hello 的第 1 条 next"
    assert rule_name("survey.skin.fallback") == "survey 状态 skin 的 fallback"
