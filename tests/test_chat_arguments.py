"""`siyu chat` commands with an argument the content does not know (new-operator trial): one Chinese line that
names what exists, no traceback and no state change — `/buy 不存在的东西` recorded an order of nothing and
started the after-purchase plan; `/welcome nosuch` greeted a new customer as if nosuch were a channel."""

from __future__ import annotations

import pytest

from bot.tools.chat import run_chat
from bot.tools.chat_args import channels
from bot.tools.simulator import Simulator
from tests.content_cache import bundled_library

LIBRARY = bundled_library()


async def chat(lines: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[list[str], Simulator]:
    queue = list(lines)
    simulator = Simulator(LIBRARY, channel="", burst_window=0)

    async def read_line(prompt: str) -> str | None:
        return queue.pop(0) if queue else None

    assert await run_chat(LIBRARY, "", burst_window=0, read_line=read_line, piped=True, simulator=simulator) == 0
    return capsys.readouterr().out.splitlines(), simulator


def after(out: list[str], line: str) -> list[str]:
    rest = out[out.index(f"你: {line}") + 1:]
    return rest[:next((n for n, text in enumerate(rest) if text.startswith("你: ")), len(rest))]


async def test_buy_of_an_unknown_product_names_the_products_and_records_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    out, simulator = await chat(["/buy 不存在的东西"], capsys)
    [said] = after(out, "/buy 不存在的东西")
    assert "没有这款商品 “不存在的东西”" in said and "A醇夜间修护精华（night_serum）" in said, said
    profile = await simulator.profile()
    assert not profile.purchases and "已购" not in profile.tags


async def test_buy_takes_a_piece_of_one_products_name(capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = await chat(["/buy 舒缓"], capsys)
    assert "她下单买了 舒缓修护精华" in "\n".join(after(out, "/buy 舒缓"))


async def test_welcome_with_an_unknown_channel_names_the_channels_and_keeps_the_customer(
        capsys: pytest.CaptureFixture[str]) -> None:
    out, simulator = await chat(["好呀", "/welcome nosuch"], capsys)
    [said] = after(out, "/welcome nosuch")
    assert "没有渠道 “nosuch”" in said and "live、pkgcard" in said, said
    session = await simulator.session()
    assert simulator.channel == "" and session.flow == "icebreak", (session.flow, session.state)


async def test_welcome_with_a_known_channel_still_greets_by_it(capsys: pytest.CaptureFixture[str]) -> None:
    out, _ = await chat(["/welcome live"], capsys)
    assert any("直播间" in line for line in after(out, "/welcome live"))


def test_the_channels_are_those_the_welcome_tells_apart() -> None:
    assert channels(LIBRARY.current) == ["live", "pkgcard"]  # not kf_again: the welcome flow says it by name


async def test_debug_counts_her_turns_from_1(capsys: pytest.CaptureFixture[str]) -> None:
    """/debug said “entered: welcome.invite（第 0 轮）” for the welcome: a count from 0 (new-operator trial)."""
    out, _ = await chat(["/debug", "好呀", "/debug"], capsys)
    first = next(line for line in out if line.strip().startswith("上下文:"))
    assert "第 0 轮" not in first and "（开场：她还没说话）" in first, first
    second = [line for line in out if line.strip().startswith("上下文:")][1]
    assert "（她第 1 次说话时）" in second, second
