"""A YAML syntax error says file:line:col and the text of that line, the line being the one to fix (new-operator
trial: an unclosed quote in persona/*.yaml was reported 42 lines below, at the next quote, as a list's
indentation). A control character pasted from Word is one line too, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content.source import ContentError, load_document

ROOT = Path(__file__).resolve().parent.parent


def problem_after(tmp_path: Path, file: str, line: int, change: str) -> tuple[str, list[str]]:
    """The one problem of `file` with its line `line` (from 1) replaced by `change`, and the file's lines."""
    lines = (ROOT / file).read_text(encoding="utf-8").split("\n")
    lines[line - 1] = change
    path = tmp_path / Path(file).name
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_document(path, file)
    [problem] = [str(p) for p in caught.value.problems]
    return problem, lines


def first(file: str, start: str) -> int:
    """The line (from 1) of the first line of file that starts with `start` after its indentation."""
    lines = (ROOT / file).read_text(encoding="utf-8").split("\n")
    return next(n for n, text in enumerate(lines, 1) if text.lstrip().startswith(start))


def test_an_unclosed_quote_in_the_persona_is_reported_where_it_was_opened(tmp_path: Path) -> None:
    file = "persona/xiaowanzi.yaml"
    line = first(file, "welcome.pkgcard:") + 1  # the line of the variant under it
    original = (ROOT / file).read_text(encoding="utf-8").split("\n")[line - 1]
    broken = original.replace("- ", '- "', 1)
    problem, _ = problem_after(tmp_path, file, line, broken)
    assert problem.startswith(f"{file}:{line}:"), problem
    assert "引号" in problem and f"｜第 {line} 行：{broken.strip()}" in problem, problem


@pytest.mark.parametrize(("file", "start", "change"), [
    ("persona/xiaowanzi.yaml", "welcome.live:", lambda text: text.replace(":", "", 1)),  # a key without its “: ”
    ("persona/xiaowanzi.yaml", "welcome.live:", lambda text: " " + text),  # one space too many
    ("flows/welcome.yaml", "say: welcome.to_kf", lambda text: "\t" + text.lstrip()),
    ("flows/welcome.yaml", "say: welcome.to_kf", lambda text: text + " 注意: 这里"),
    ("knowledge/faq.yaml", "- id: shipping_courier", lambda text: text.replace("id: ", "id: [", 1)),
    ("knowledge/faq.yaml", "- id: shipping_courier", lambda text: text.replace("- ", "-  ", 1)),
])
def test_the_line_quoted_is_the_line_reported(tmp_path: Path, file: str, start: str, change: object) -> None:
    line = first(file, start)
    original = (ROOT / file).read_text(encoding="utf-8").split("\n")[line - 1]
    problem, lines = problem_after(tmp_path, file, line, change(original))  # type: ignore[operator]
    reported = int(problem.split(":")[1])
    assert "YAML 语法错误" in problem and problem.count("\n") == 0, problem
    assert f"｜第 {reported} 行：{lines[reported - 1].strip()[:60]}" in problem, problem


def test_a_control_character_is_one_line_at_its_place(tmp_path: Path) -> None:
    file = "knowledge/faq.yaml"
    line = first(file, "answer:")
    text = (ROOT / file).read_text(encoding="utf-8").split("\n")[line - 1]
    column = text.index("answer:") + 9
    problem, _ = problem_after(tmp_path, file, line, text[:column - 1] + "\x0b" + text[column - 1:])
    assert problem.startswith(f"{file}:{line}:{column}: ") and "控制字符（U+000B）" in problem, problem
    assert "\x0b" not in problem and problem.count("\n") == 0, problem


def test_yaml_itself_refuses_the_character() -> None:  # the case above is one PyYAML raises a ReaderError for
    with pytest.raises(yaml.reader.ReaderError):
        yaml.compose("a: b\x0bc\n", Loader=yaml.SafeLoader)
