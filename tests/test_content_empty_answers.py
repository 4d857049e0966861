"""An answer written empty is one line at its file:line (new-operator trial): `answer: ""` in knowledge/faq.yaml loaded
and the bot sent an empty message; `answer:` with nothing after it said “answer 和 answer_key 必须且只能写一个”
at the entry, though answer was written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.content_kit import problems_after

ROOT = Path(__file__).resolve().parent.parent


def line_of(file: str, start: str) -> int:
    lines = (ROOT / file).read_text(encoding="utf-8").split("\n")
    return next(n for n, text in enumerate(lines, 1) if text.lstrip().startswith(start))


@pytest.mark.parametrize(("file", "start", "written"), [
    ("knowledge/faq.yaml", "answer:", 'answer: ""'),
    ("knowledge/faq.yaml", "answer:", "answer:"),
    ("knowledge/faq.yaml", "answer:", 'answer: "   "'),
    ("knowledge/products.yaml", "answer:", 'answer: ""'),
])
def test_an_empty_answer_is_reported_at_its_line(content: Path, file: str, start: str, written: str) -> None:
    line = line_of(file, start)
    text = (ROOT / file).read_text(encoding="utf-8").split("\n")[line - 1]
    indent = text[:len(text) - len(text.lstrip())]
    problems = problems_after(content, file, text + "\n", f"{indent}{written}\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{file}:{line}:") and "answer: 是空的：写上要说的话" in problems[0], problems
