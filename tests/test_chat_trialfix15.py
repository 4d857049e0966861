"""trial15 in `siyu chat`: after /welcome her first kf line was greeted twice (the card's kf welcome did not wait for
it, as the held kf welcome does); /reset kept the /welcome card; /delete during a handover was swallowed and never
recorded; /wait 3d ended on 「过了 11h21m」; /wait -1d blamed the unit."""

from __future__ import annotations

import pytest

from bot.content.durations import seconds
from bot.tools.chat import DELETED, NO_STAFF, OPENS_CARD, RESET
from tests.test_chat_commands import after, transcript


async def test_hello_after_the_welcome_card_is_greeted_once(capsys: pytest.CaptureFixture[str]) -> None:
    out = await transcript(["/welcome", "你好"], capsys)
    said = after(out, "你好")
    assert said[0] == OPENS_CARD and len(said) == 2, said
    assert "哈喽哈喽" not in "".join(said), said


async def test_ok_after_the_live_welcome_card_is_asked_one_question(capsys: pytest.CaptureFixture[str]) -> None:
    out = await transcript(["/welcome live", "好"], capsys)
    said = "".join(after(out, "好"))
    assert "回“好”" not in said and said.count("？") == 1, said  # one question: her name


async def test_reset_starts_like_a_fresh_chat(capsys: pytest.CaptureFixture[str]) -> None:
    out = await transcript(["/welcome", "/reset", "你好", "/debug"], capsys)
    reset = after(out, "/reset")
    assert reset[0] == RESET and any("首单立减20元" in line or "新客20元券" in line for line in reset), reset
    assert OPENS_CARD not in after(out, "你好")
    assert any("welcome_via=kf " in line for line in after(out, "/debug")), after(out, "/debug")


async def test_delete_during_a_handover_is_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    out = await transcript(["/welcome", "我要投诉", "/delete", "/debug"], capsys)
    assert after(out, "/delete") == [DELETED]
    assert not any("流失: 否" in line for line in after(out, "/debug")), after(out, "/debug")


async def test_delete_without_staff_says_there_is_none(capsys: pytest.CaptureFixture[str]) -> None:
    out = await transcript(["/delete"], capsys)
    assert after(out, "/delete") == [NO_STAFF]


async def test_a_long_wait_ends_with_the_whole_time(capsys: pytest.CaptureFixture[str]) -> None:
    out = await transcript(["/welcome", "你好", "/wait 3d"], capsys)
    assert after(out, "/wait 3d")[-1].startswith("  （共过了 3d，现在 "), after(out, "/wait 3d")


def test_a_negative_duration_is_told_to_be_positive() -> None:
    with pytest.raises(ValueError, match="正数") as error:
        seconds("-1d")
    assert "单位" not in str(error.value)


async def test_a_second_buy_says_it_is_a_second_order(capsys: pytest.CaptureFixture[str]) -> None:
    out = await transcript(["/buy 水杨酸", "/buy 水杨酸"], capsys)
    first, second = out.index("你: /buy 水杨酸"), len(out) - 1 - out[::-1].index("你: /buy 水杨酸")
    assert "第 2 单" not in out[first + 1] and "这是记下的第 2 单" in out[second + 1], out
