"""siyu chat commands at their edges (attack15c). `/wait` longer than the calendar: `/wait 99999999999999999999d` showed the follow-ups of two
hundred days and then ended siyu chat with an OverflowError traceback (the clock past year 9999). A wait longer
than ten years is refused with one line; the chat goes on."""

from __future__ import annotations

import pytest

from bot.content.durations import seconds
from tests.test_chat_arguments import after, chat


async def test_a_wait_past_the_calendar_is_refused_and_the_chat_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = await chat(["/wait 99999999999999999999d", "包邮吗"], capsys)
    [said] = after(out, "/wait 99999999999999999999d")
    assert "最长 3650d" in said, said
    assert any("59" in line for line in after(out, "包邮吗"))


def test_ten_years_is_the_longest_duration() -> None:
    assert seconds("3650d") == 3650 * 86400
    with pytest.raises(ValueError, match="最长"):
        seconds("3651d")


async def test_a_second_delete_says_she_already_deleted_the_staff(capsys: pytest.CaptureFixture[str]) -> None:
    # attack15c: the second /delete said 「她还没有添加员工」 of a customer who had just deleted them
    out, _ = await chat(["/welcome", "/delete", "/delete"], capsys)
    second = out[len(out) - out[::-1].index("你: /delete"):]
    assert any("已经删除了员工" in line for line in second), second
    assert not any("还没有添加员工" in line for line in second), second
