"""Which content folder each command uses: --content, SIYU_CONTENT, the current directory, the sample.

The commands run as an installed `siyu` would, started in the operator's folder (one test starts a real
subprocess there; the others run the command in this process with the same folder and environment, which is
quicker), and each must say on stderr which folder it took.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.content.location import ARGUMENT, BUNDLED, CURRENT, OPTION, VARIABLE, bundled_content_dir, locate_content
from tests.cli_kit import run_siyu

ROOT = Path(__file__).resolve().parent.parent


def copy_content(target: Path, reply: str = "满59元包邮") -> Path:
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, target / folder)
    faq = target / "knowledge" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("满59元包邮", reply), encoding="utf-8")
    return target


def siyu_process(*args: str, cwd: Path, env: dict[str, str] | None = None,
                 stdin: str = "") -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "WECOM_", "REDIS_URL"))}
    clean.update(env or {})
    clean["PYTHONPATH"] = str(ROOT)  # the package itself; the content must come from cwd or the settings
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=clean, capture_output=True,
                          text=True, input=stdin, timeout=60)


def siyu(*args: str, cwd: Path, env: dict[str, str] | None = None,
         stdin: str = "") -> subprocess.CompletedProcess[str]:
    """As siyu_process, in this process (tests/cli_kit.py): the same environment, folder, stdin and outputs."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "WECOM_", "REDIS_URL"))}
    clean.update(env or {})
    return run_siyu(*args, env=clean, cwd=cwd, input=stdin)


def content_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("内容目录: ")]


def test_precedence_option_then_variable_then_current_directory_then_sample(tmp_path: Path) -> None:
    mine, other, empty = copy_content(tmp_path / "mine"), copy_content(tmp_path / "other"), tmp_path / "empty"
    empty.mkdir()
    assert locate_content(str(other), {"SIYU_CONTENT": str(mine)}, mine).path == other.resolve()
    assert locate_content(str(other), {}, mine).source == OPTION
    chosen = locate_content(None, {"SIYU_CONTENT": str(other)}, mine)
    assert (chosen.path, chosen.source) == (other.resolve(), VARIABLE)
    chosen = locate_content(None, {"SIYU_CONTENT": "  "}, mine)
    assert (chosen.path, chosen.source) == (mine.resolve(), CURRENT)
    chosen = locate_content(None, {}, empty)
    assert (chosen.path, chosen.source, chosen.note) == (bundled_content_dir(), BUNDLED, "")


def test_a_half_made_folder_is_not_used_and_the_line_says_why(tmp_path: Path) -> None:
    (tmp_path / "flows").mkdir()
    chosen = locate_content(None, {}, tmp_path)
    assert chosen.source == BUNDLED
    assert "persona/ knowledge/" in chosen.describe() and "flows/" not in chosen.note


def test_serve_settings_take_the_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mine = copy_content(tmp_path / "mine")
    monkeypatch.chdir(mine)
    env = {"WECOM_CORP_ID": "ww1", "WECOM_TOKEN": "tok", "WECOM_SECRET": "s",
           "WECOM_AES_KEY": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}
    assert load_settings(env).content_dir == mine.resolve()
    assert load_settings({**env, "SIYU_CONTENT": str(ROOT)}).content_dir == ROOT.resolve()


def test_check_uses_the_folder_the_operator_is_in(tmp_path: Path) -> None:
    mine = copy_content(tmp_path / "shop", reply="满99元包邮")
    result = siyu_process("check", cwd=mine)  # a real process started in her folder
    assert result.returncode == 0, result.stderr
    assert content_lines(result.stderr) == [f"内容目录: {mine.resolve()} ({CURRENT})"]
    assert f"OK {mine.resolve()}" in result.stdout


def test_check_reports_the_operators_mistake_not_the_samples_health(tmp_path: Path) -> None:
    mine = copy_content(tmp_path / "shop")
    (mine / "flows" / "survey.yaml").write_text("start: nowhere\nstates: {}\n", encoding="utf-8")
    result = siyu("check", cwd=mine)
    assert result.returncode == 1
    assert "flows/survey.yaml:" in result.stdout and len(content_lines(result.stderr)) == 1


def test_every_content_command_says_which_folder(tmp_path: Path) -> None:
    mine = copy_content(tmp_path / "shop", reply="满99元包邮")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    chat = siyu("chat", cwd=mine, stdin="包邮吗\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "满99元包邮" in chat.stdout  # the operator's own answer, not the sample's 59
    assert content_lines(chat.stderr) == [f"内容目录: {mine.resolve()} ({CURRENT})"]

    tests = siyu("test", cwd=mine)
    assert content_lines(tests.stderr) == [f"内容目录: {mine.resolve()} ({CURRENT})"]

    diagram = siyu("diagram", "survey", "--content", str(mine), cwd=elsewhere)
    assert diagram.returncode == 0 and diagram.stdout.startswith("stateDiagram")
    assert content_lines(diagram.stderr) == [f"内容目录: {mine.resolve()} ({OPTION})"]


def test_check_of_a_folder_that_is_not_there_says_so_in_one_line(tmp_path: Path) -> None:
    """`siyu check DIR` of a folder that is not there says that folder does not exist, and nothing of --content,
    which she never typed (operator walkthrough, session 12); with --content or SIYU_CONTENT it names what she set."""
    missing, empty = tmp_path / "nope", tmp_path / "empty"
    empty.mkdir()
    result = siyu("check", "nope", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"找不到内容目录：文件夹 {missing} 不存在，路径写对了吗？"], result.stderr
    result = siyu("check", "--content", str(missing), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"找不到内容目录：文件夹 {missing} 不存在（{OPTION} 指定的），路径写对了吗？"]
    result = siyu("check", str(empty), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{empty} 不是内容目录：里面没有 flows/ persona/ knowledge/"]
    result = siyu("chat", cwd=tmp_path, env={"SIYU_CONTENT": str(missing)}, stdin="/quit\n")
    assert result.returncode == 1 and result.stderr.splitlines() == [
        f"找不到内容目录：文件夹 {missing} 不存在（{VARIABLE} 指定的），路径写对了吗？"]


def test_check_takes_content_like_the_other_commands(tmp_path: Path) -> None:
    mine = copy_content(tmp_path / "shop")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = siyu("check", "--content", str(mine), cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert content_lines(result.stderr) == [f"内容目录: {mine.resolve()} ({OPTION})"]
    typed = siyu("check", str(mine), cwd=elsewhere)  # the folder as an argument still works, and is said so
    assert typed.returncode == 0 and content_lines(typed.stderr) == [f"内容目录: {mine.resolve()} ({ARGUMENT})"]
    both = siyu("check", str(mine), "--content", str(elsewhere), cwd=elsewhere)
    assert both.returncode == 2 and "只写一个" in both.stderr


def test_check_and_test_refuse_a_half_made_current_folder(tmp_path: Path) -> None:
    """trial15: `mkdir -p partial/flows && cd partial && siyu check` checked the bundled sample and printed OK with
    exit 0 — a green CI run over files that are not hers. check and test now refuse (exit 1) and say why; chat
    still falls back to the sample with the note (trying the bot needs no content of her own)."""
    (tmp_path / "flows").mkdir()
    for command in ("check", "test"):
        result = siyu(command, cwd=tmp_path)
        assert result.returncode == 1 and "OK " not in result.stdout, result.stdout
        assert result.stderr.splitlines() == [
            f"siyu {command}: 当前目录 {tmp_path.resolve()} 只有 flows/，缺少 persona/ knowledge/：没有检查，也不改查"
            "自带示例（那不是你的文件）。补齐三个文件夹，或用 --content DIR 指定内容目录"], result.stderr
    assert siyu("check", "--content", str(ROOT), cwd=tmp_path).returncode == 0  # a folder named is checked
