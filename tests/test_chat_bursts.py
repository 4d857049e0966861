"""`siyu chat` answers a burst the way the kf path does: lines typed within the window are one turn; lines
piped in (stdin not a terminal) are one turn each, in order, and `/burst a | b` is the way to send a burst."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.tools.chat import run_chat
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = bundled_library()


def typist(lines: list[str], pause_after: set[int]) -> tuple[asyncio.Event, object]:
    """Lines typed at once, except that after the lines numbered in pause_after the typist stops until
    released (so the burst window passes with nothing typed)."""
    release = asyncio.Event()
    queue = list(lines)
    typed = 0

    async def read_line(prompt: str) -> str | None:
        nonlocal typed
        if typed in pause_after:
            pause_after.discard(typed)
            await release.wait()
            release.clear()
        if not queue:
            return None
        typed += 1
        return queue.pop(0)

    return release, read_line


async def test_lines_typed_within_the_window_are_answered_once(capsys: pytest.CaptureFixture[str]) -> None:
    release, read_line = typist(["好呀", "叫我小雨", "/quit"], pause_after={2})
    chat = asyncio.ensure_future(run_chat(LIBRARY, "", burst_window=0.05, read_line=read_line))  # type: ignore[arg-type]
    out = ""
    for _ in range(500):  # wait on the condition: the window passed with nothing typed, the burst is answered
        out += capsys.readouterr().out
        if "小雨" in out:
            break
        await asyncio.sleep(0.01)
    assert "小雨" in out and "怎么称呼" not in out and "叫你什么" not in out  # asked and answered at once
    assert "护肤" in out  # and the next question follows
    release.set()
    assert await asyncio.wait_for(chat, 5) == 0


async def test_a_burst_command_sends_several_messages_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    _, read_line = typist(["/burst 好呀 | 叫我小雨", "/debug", "/quit"], pause_after=set())
    assert await run_chat(LIBRARY, "", burst_window=0, read_line=read_line) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "小雨" in out and "怎么称呼" not in out.split("你好呀")[-1]
    assert "name=小雨" in out


def chat_piped(lines: str) -> str:
    """`printf … | siyu chat` as an operator runs it: stdin is a pipe, the default burst window."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    done = subprocess.run([sys.executable, "-m", "bot", "chat"], input=lines, capture_output=True, text=True,
                          env={**env, "SIYU_BURST_WINDOW": "2"}, timeout=90, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def said(out: str, key: str) -> int:
    """Where the transcript has the persona's line for `key`, in whichever of its wordings."""
    found = [out.find(text) for text in LIBRARY.current.personas["xiaowanzi"].messages[key]]
    assert max(found) >= 0, key
    return min(at for at in found if at >= 0)


def test_piped_lines_are_one_turn_each_in_order() -> None:
    out = chat_piped("你好\n叫我小雨\n")
    hello_back = said(out, "welcome.hello_back")  # 你好 answered on its own: a burst would drop it
    told = out.index("你: 叫我小雨")
    assert out.index("你: 你好") < hello_back < told < out.index("记住啦", told)  # 叫我小雨 unasked: kept (name.saved)


def test_piped_chat_ends_with_the_last_answer_not_a_prompt_nobody_will_answer() -> None:
    out = chat_piped("你好\n油皮\n")
    lines = out.rstrip("\n").splitlines()
    assert lines[-1].startswith("小丸子: "), lines[-3:]
    assert [line for line in lines if line.startswith("你:")] == ["你: 你好", "你: 油皮"]


def test_piped_yes_then_a_name_is_asked_then_answered_and_a_burst_command_is_still_a_burst() -> None:
    out = chat_piped("好\n叫我小雨\n/burst 还是爆痘 | 用了还是不行\n/quit\n")
    asked = [out.find(text) for text in LIBRARY.current.personas["xiaowanzi"].messages["icebreak.ask_name"]]
    assert max(asked) > 0  # 好 was its own turn: the name was asked (a burst would not ask it)
    assert max(asked) < out.index("你: 叫我小雨") < out.index("小雨", out.index("你: 叫我小雨") + 6)
    after_burst = out[out.index("你: /burst"):]
    care = LIBRARY.current.personas["xiaowanzi"].messages["care.痘痘"]
    assert sum(after_burst.count(text) for text in care) == 1  # the two lines of the burst: one turn


async def test_a_complaint_typed_within_the_welcome_hold_gets_its_answer_not_the_welcome(
        capsys: pytest.CaptureFixture[str]) -> None:
    """siyu chat holds the opening welcome like the kf path (SIYU_KF_WELCOME_HOLD): an operator can try it."""
    _, read_line = typist(["我的快递怎么还没到 都一个礼拜了", "/quit"], pause_after=set())
    assert await run_chat(LIBRARY, "", burst_window=0, read_line=read_line, welcome_hold=1.0) == 0  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert "真的抱歉让你等这么久" in out and "见面礼" not in out and "欢迎欢迎" not in out, out


async def test_a_customer_who_does_not_write_within_the_hold_is_welcomed(capsys: pytest.CaptureFixture[str]) -> None:
    release, read_line = typist(["包邮吗", "/quit"], pause_after={0})
    chat = asyncio.ensure_future(run_chat(LIBRARY, "", burst_window=0, read_line=read_line,  # type: ignore[arg-type]
                                          welcome_hold=0.05))
    out = await _printed(capsys, "欢迎欢迎")
    assert "欢迎欢迎" in out and "满59" not in out  # the welcome first, nothing answered yet
    release.set()
    assert await asyncio.wait_for(chat, 5) == 0
    out += capsys.readouterr().out
    assert out.index("欢迎欢迎") < out.index("满59")


def test_a_bad_welcome_hold_stops_siyu_chat_with_one_line() -> None:
    from tests.cli_kit import run_siyu

    result = run_siyu("chat", env={**os.environ, "SIYU_KF_WELCOME_HOLD": "99"})
    assert result.returncode == 2 and "SIYU_KF_WELCOME_HOLD" in result.stderr, result


async def test_the_first_line_typed_within_the_hold_is_answered_when_its_burst_window_passes(
        capsys: pytest.CaptureFixture[str]) -> None:
    """With a burst window (as typed), her first line waits in the window like any other: it was once left
    unanswered, with （没有回复） printed for the empty welcome."""
    release, read_line = typist(["我的快递怎么还没到 都一个礼拜了", "/quit"], pause_after={1})
    chat = asyncio.ensure_future(run_chat(LIBRARY, "", burst_window=0.05, read_line=read_line,  # type: ignore[arg-type]
                                          welcome_hold=1.0))
    out = await _printed(capsys, "真的抱歉让你等这么久")
    release.set()
    assert await asyncio.wait_for(chat, 5) == 0
    out += capsys.readouterr().out
    assert "真的抱歉让你等这么久" in out and "没有回复" not in out and "见面礼" not in out, out


async def _printed(capsys: pytest.CaptureFixture[str], text: str) -> str:
    """What the chat printed, once `text` is in it (or after five seconds)."""
    out = ""
    for _ in range(500):
        out += capsys.readouterr().out
        if text in out:
            break
        await asyncio.sleep(0.01)
    return out
