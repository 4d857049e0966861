"""Text that YAML reads as something else says what it was read as (new-operator trial): `answer: 12:30` said
“应为文字，现在写的是 750”, a number the operator never wrote (YAML 1.1 reads 12:30 as minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.source import ContentError, load_document, validate
from bot.understanding.knowledge import FaqFile


@pytest.mark.parametrize(("written", "read"), [
    ("12:30", "会被 YAML 当成数字 750"),
    ("yes", "会被 YAML 当成是非值 true"),
    ("2026-11-11", "会被 YAML 当成日期 2026-11-11"),
])
def test_text_read_as_another_kind_says_so(tmp_path: Path, written: str, read: str) -> None:
    path = tmp_path / "faq.yaml"
    path.write_text(f"entries:\n  - id: hours\n    questions: [几点上班]\n    answer: {written}\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        validate(FaqFile, load_document(path, "knowledge/faq.yaml"))
    [problem] = [str(p) for p in caught.value.problems]
    assert problem.startswith("knowledge/faq.yaml:4:13: 条目 hours 的 answer: 应为文字"), problem
    assert f"写的 “{written}” {read}" in problem and f'加上引号（"{written}"）' in problem, problem
