"""A content file that cannot be read (no permission, a folder in its place, not UTF-8) is one line naming the
file and what to do, not a traceback (QA round 6)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content


def _problems(content: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(content)
    return [str(problem) for problem in caught.value.problems]


@pytest.mark.parametrize("file", ["knowledge/faq.yaml", "persona/xiaowanzi.yaml", "knowledge/moderation_model.tsv"])
def test_a_file_in_another_encoding_names_the_file_the_line_and_how_to_save_it(content: Path, file: str) -> None:
    path = content / file
    lines = path.read_text(encoding="utf-8").split("\n")
    number = next(i for i, line in enumerate(lines) if any(ord(c) > 127 for c in line) and i > 3)
    gbk = "\n".join(lines[number:]).encode("gbk", errors="replace")  # emoji have no GBK code
    path.write_bytes("\n".join(lines[:number]).encode("utf-8") + b"\n" + gbk)
    problems = _problems(content)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{file}:{number + 1}:1: 文件不是 UTF-8 编码"), problems
    assert f"打开 {file}" in problems[0] and "编码选 UTF-8" in problems[0]


def test_a_folder_where_a_file_belongs_is_named_not_a_traceback(content: Path) -> None:
    (content / "knowledge" / "products.yaml").unlink()
    (content / "knowledge" / "products.yaml").mkdir()
    result = subprocess.run([sys.executable, "-m", "bot", "check", str(content)], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "knowledge/products.yaml:1:1: 这里应该是一个文件，现在是一个文件夹" in result.stdout


def test_a_file_without_read_permission_says_who_should_grant_it(content: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # the tests run as root, whom chmod does not stop: the refusal is what the operating system would say
    blocked = content / "knowledge" / "intents.yaml"
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self == blocked:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    problems = _problems(content)
    assert problems == ["knowledge/intents.yaml:1:1: 没有权限读这个文件：请管理员给运行机器人的账号加上读权限"
                        "（如 chmod a+r 这个文件），再运行 siyu check"]
