"""Operator commands given bad arguments or a store that does not answer: one clear line on stderr, a
sensible exit code, never a traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.base import Store
from tests.cli_kit import run_siyu
from tests.conftest import TEST_REDIS_URL

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def siyu(*args: str, redis_url: str = TEST_REDIS_URL) -> subprocess.CompletedProcess[str]:
    """The command run in this process (tests/cli_kit.py): exit code, stdout and stderr as a subprocess's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    return run_siyu(*args, env={**env, "REDIS_URL": redis_url})


def siyu_process(*args: str, redis_url: str = TEST_REDIS_URL) -> subprocess.CompletedProcess[str]:
    """A real `python -m bot`: kept for a few tests so that the wiring of the command stays covered."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          env={**env, "REDIS_URL": redis_url}, timeout=60)


def one_clear_line(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("内容目录")]
    assert len(lines) == 1, result.stderr
    assert all(word in lines[0] for word in words), lines[0]


@pytest.mark.parametrize("command", [["purchase", "wm1"], ["report"], ["why", "wm1"], ["profile", "wm1"],
                                     ["misses"], ["deadletters"], ["forget", "wm1"]])
def test_a_store_that_does_not_answer_is_one_line_and_exit_code_2(command: list[str]) -> None:
    result = siyu(*command, redis_url=DOWN)
    assert result.returncode == 2
    one_clear_line(result, "Redis", "127.0.0.1:1")


@pytest.mark.parametrize("target", ["missing-folder/report.html", "."])
def test_report_html_to_a_path_that_cannot_be_written_says_so(redis_store: Store, tmp_path: Path,
                                                             target: str) -> None:
    result = siyu("report", "--html", str(tmp_path / target))
    assert result.returncode == 2
    one_clear_line(result, str(tmp_path / target))


def test_why_for_a_customer_the_bot_never_saw_is_an_error_like_profile(redis_store: Store) -> None:
    for command in ("why", "profile"):
        result = siyu(command, "wmNobody")
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert "wmNobody" in result.stdout + result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["why", "wm1"], ["misses"], ["deadletters"], ["moderation", "log"]])
@pytest.mark.parametrize("limit", ["0", "-3"])
def test_a_limit_below_one_is_refused(command: list[str], limit: str) -> None:
    result = siyu(*command, "--limit", limit)
    assert result.returncode == 2 and "--limit" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["check"], ["eval"]])
def test_output_into_a_closed_pipe_ends_quietly(command: list[str]) -> None:
    """`siyu check | head -1`: the reader stopped reading; no BrokenPipe traceback, the shell's 141."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    try:
        done = subprocess.run([sys.executable, "-m", "bot", *command], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, env=env, timeout=120, cwd=Path(__file__).resolve().parent.parent)
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 141


@pytest.mark.parametrize("command", [["misses"], ["report"], ["profile", "wm1"]])
def test_a_malformed_redis_url_is_one_line_and_exit_code_2(command: list[str]) -> None:
    result = siyu(*command, redis_url="notaurl")
    assert result.returncode == 2
    one_clear_line(result, "Redis 地址写得不对")


@pytest.mark.parametrize("command", [["misses"], ["report"], ["chat", "--store", "URL"]])
@pytest.mark.parametrize("db", ["0x", "nine"])
def test_a_redis_database_that_is_not_a_number_is_refused_not_read_as_db_0(command: list[str], db: str) -> None:
    # redis-py reads /0x as db 0: on a shared Redis the bot's data went into another application's database.
    # Nothing listens on port 1, so nothing is written anywhere even where the URL would be taken.
    url = f"redis://127.0.0.1:1/{db}"
    result = siyu(*[url if word == "URL" else word for word in command], redis_url=url)
    assert result.returncode == 2
    one_clear_line(result, "Redis 地址写得不对", f"'/{db}'")


@pytest.mark.parametrize("command", ["misses", "deadletters", "forget", "profile", "why", "report", "purchase"])
def test_every_command_that_reads_the_running_bot_says_it_needs_redis_url_in_its_help(command: str) -> None:
    listed = siyu("--help")
    entry = re.search(rf"\n    {command}\b(.*?)(?=\n    \S|\Z)", listed.stdout, re.S)  # its lines in the list
    helped = siyu(command, "--help")
    for said in (entry.group(1) if entry else "", helped.stdout):
        assert "需要REDIS_URL" in "".join(said.split()), said  # wrapping may break between 需要 and REDIS_URL


def test_chat_on_a_store_that_refuses_it_names_the_option_the_operator_typed() -> None:
    # the test Redis has no password: AUTH fails, nothing is written
    url = TEST_REDIS_URL.replace("redis://", "redis://:wrongpw@", 1)
    result = siyu_process("chat", "--store", url, redis_url="")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    refused = [line for line in result.stderr.splitlines() if "Redis 不应答" in line]
    assert len(refused) == 1 and "--store 对吗" in refused[0] and "REDIS_URL" not in refused[0], result.stderr
    assert "wrongpw" not in result.stderr


def test_a_persona_that_does_not_exist_lists_those_that_do() -> None:
    root = Path(__file__).resolve().parent.parent
    result = siyu("chat", "--content", str(root), "--persona", "nope")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith("persona/")]
    assert said == ["persona/:1:1: 人设 “nope” 不存在（--persona 或 SIYU_PERSONA）：没有 persona/nope.yaml；"
                    "有的人设：xiaowanzi"]


def test_chat_input_that_is_not_utf8_is_read_not_a_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    result = subprocess.run([sys.executable, "-m", "bot", "chat"], input="\xff坏字节\n包邮吗\n".encode("latin-1",
                            "ignore") + "坏字节\n包邮吗\n".encode("gbk"), capture_output=True, env=env, timeout=60)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr.decode("utf-8", "replace")


def test_help_and_usage_mistakes_are_said_in_the_language_of_the_cli() -> None:
    """argparse's English headings (usage:, options:) among Chinese help texts read as two programs."""
    helped = siyu("check", "--help")
    assert helped.returncode == 0 and helped.stdout.startswith("用法: siyu check")
    assert "选项:" in helped.stdout and "参数:" in helped.stdout and "显示这段帮助并退出" in helped.stdout
    assert not any(word in helped.stdout for word in ("usage:", "options:", "positional arguments:", "show this"))
    for args, said in ((["diagram"], "siyu diagram: 缺少 FLOW"), (["nosuch"], "siyu: 没有命令 “nosuch”"),
                       (["why", "wm1", "--limit"], "siyu why: --limit 后面要写一个值"),
                       (["check", "--bogus"], "不认识的参数 --bogus"),
                       (["moderation", "log", "--days", "-1"], "--days：应为正整数（至少 1）：-1"),  # QA round 13
                       (["groups", "stats", "--days", "0"], "--days：应为正整数（至少 1）：0")):
        result = siyu(*args)
        assert result.returncode == 2 and result.stderr.startswith("用法: "), result.stderr
        assert said in result.stderr.splitlines()[-1] and "（" in result.stderr, result.stderr


def test_every_command_that_needs_redis_says_so_in_the_list_and_in_its_own_help() -> None:
    """siyu groups stats -h used to open with no description at all, and the group commands did not say they need
    REDIS_URL (a clean-clone trial, thirteenth session)."""
    listing = " ".join(siyu("-h").stdout.split())  # the list, its wrapped lines joined
    for name in ("sync", "groups", "moderation", "misses", "report", "profile", "why"):
        assert "需要 REDIS_URL" in listing.split(f" {name} ", 1)[1][:90], name  # its own line, not the next one
    for command in (("sync",), ("groups", "stats"), ("groups", "sync"), ("moderation", "log"),
                    ("moderation", "stats")):
        own = siyu(*command, "-h").stdout
        assert "需要 REDIS_URL" in own.split("\n\n")[1], own
