"""`siyu chat`: talk to the bot in a terminal as a customer, on the embedded store."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.content.durations import human_duration, seconds
from bot.conversation import InboundKind, Outbound
from bot.engine.library import Library
from bot.policy.journal import describe
from bot.profile.report import describe_profile
from bot.tools.chat_args import unknown_channel, unknown_product
from bot.tools.chat_help import HELP
from bot.tools.commands import render
from bot.tools.debug_view import state_lines
from bot.tools.simulator import STAFF, Simulator

HANDED_OVER = "  （已转人工：之后顾客的消息由人工客服回复，机器人不再回答；输入 /handback 模拟人工结束会话）"
STILL_HANDED = "  （已转人工，机器人不回复；/handback 把顾客交回机器人）"

NEW_CONTACT = "  （一位新顾客加了员工：先发加好友的欢迎语；她接下来说的话是点开欢迎语里的客服卡片后在微信客服里说的）"
OPENS_CARD = "  （她点开了欢迎语里的客服卡片，进入微信客服）"
BOUGHT = "她下单买了 {product}（和 POST /orders 带着商品记下的一样）"
BOUGHT_NONE = "她下单了，没说是哪一款（/buy 后面写商品名，或先聊到那一款再 /buy）"
BLANK = "  （空消息不会发出去：微信里也发不了只有空格的消息。输入 /help 看命令）"
DELETED = "  （她删除了员工：记为流失（/debug 的“流失”），之后的跟进不再发给她）"
NO_STAFF = "  （她还没有添加员工，没有可删除的：先 /welcome 让一位新顾客加员工，再 /delete）"
DELETED_BEFORE = "  （她已经删除了员工（上一次 /delete），没有可再删的：/welcome 换一位新顾客加员工）"
RESET = "  已忘掉这位顾客：从头开始，她重新打开微信客服。"
WAIT_USAGE = "  /wait 后面写要过去多久，例如 /wait 30m、/wait 2h、/wait 3d（s 秒、m 分钟、h 小时、d 天）"

_KINDS = {"/image": InboundKind.IMAGE, "/voice": InboundKind.VOICE, "/sticker": InboundKind.STICKER,
          "/file": InboundKind.FILE}


async def _read_line(prompt: str) -> str | None:
    try:
        line = await asyncio.get_running_loop().run_in_executor(None, input, prompt)
    except EOFError:
        return None
    # bytes that are not UTF-8 (a GBK terminal) arrive as surrogates: shown as �, never a traceback
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


async def _wait(simulator: Simulator, duration: str, show: Callable[[list[Outbound]], Awaitable[None]]) -> None:
    """/wait 3d: the clock moves on; what fell due is shown, or a line that says the time passed quietly."""
    if not duration:
        print(WAIT_USAGE)
        return
    try:
        waited = seconds(duration)
    except ValueError as error:
        print(f"  {error}")
        return
    start = simulator.now
    messages = await simulator.wait(waited)
    if not messages:
        if (await simulator.session()).handover_at:
            await show(messages)
        else:
            print(f"  （过了 {duration}：这段时间没有到期的消息或跟进）")
        return
    # each batch says when it went out: a follow-up that fell due on day 4 of a 30-day wait is not 30 days late
    shown_at: float | None = None
    for message, at in zip(messages, simulator.wait_times, strict=True):
        if at != shown_at:
            local = datetime.fromtimestamp(at, simulator.zone)
            print(f"  （过了 {human_duration(at - start)}，{local:%m-%d %H:%M}）")
            shown_at = at
        await show([message])
    local = datetime.fromtimestamp(simulator.now, simulator.zone)
    print(f"  （共过了 {human_duration(waited)}，现在 {local:%m-%d %H:%M}）")


def welcome_hold_from_env() -> float | None:
    """SIYU_KF_WELCOME_HOLD as `siyu serve` reads it: how long the opening welcome waits for her first line; None
    (after one line on stderr) when it is written wrong."""
    from bot.config import welcome_hold

    raw = os.environ.get("SIYU_KF_WELCOME_HOLD", "")
    hold = welcome_hold(raw)
    if hold is None:
        print(f"SIYU_KF_WELCOME_HOLD 应该是 0 到 10 之间的秒数，现在是 {raw!r}", file=sys.stderr)
    return hold


async def run_chat(library: Library, channel: str, burst_window: float = 2.0,
                   read_line: Callable[[str], Awaitable[str | None]] = _read_line, *,
                   simulator: Simulator | None = None, piped: bool = False, welcome_hold: float = 0.0) -> int:
    """The terminal conversation. Lines typed within `burst_window` seconds of each other are one burst,
    answered once when the window passes with nothing typed — the way the kf path answers them.

    `piped` (stdin is not a terminal: `printf '你好\n叫我小雨\n' | siyu chat`): the lines all arrive at once,
    but each is one turn, in order, as if typed one after another with a pause; `/burst a | b` still sends a
    burst. Each line is printed after the prompt once it is read (not the prompt before the read), so the
    transcript reads like the conversation and does not end with a prompt nobody will answer.

    `welcome_hold` (SIYU_KF_WELCOME_HOLD, typed sessions only): the opening welcome waits that long for her first
    line, as the kf welcome does (bot/gateway/kf_welcome.py) — a complaint typed at once gets its answer, not the
    cheerful welcome first."""
    simulator = simulator or Simulator(library, channel=channel, burst_window=burst_window)
    speaker = library.current.personas[library.current.persona_for(channel).id].spec.name
    print(f"和{speaker}聊天（内容版本 {library.current.version}）。输入 /help 看命令。\n")

    handed = False  # a human has the customer: the bot stays silent until /handback

    async def show(messages: list[Outbound]) -> None:
        nonlocal handed
        for message in messages:
            print(render(message, speaker))
        now_handed = bool((await simulator.session()).handover_at)
        if now_handed and not handed:
            print(HANDED_OVER)
        elif not messages:
            print(STILL_HANDED if now_handed else "  （没有回复）")
        handed = now_handed

    reading: asyncio.Task[str | None] | None = None
    if welcome_hold > 0:
        reading = asyncio.ensure_future(read_line("" if piped else "你: "))
        await asyncio.wait({reading}, timeout=welcome_hold)
    first = reading.result() if reading is not None and reading.done() else None
    typed_first = first is not None and bool(first.strip()) and not first.strip().startswith("/")
    if typed_first:
        reading = None  # she wrote within the hold: the welcome is decided knowing it, then it is answered
        welcomed = await simulator.enter(first=first)  # her line waits in the burst window, as typed lines do
        if welcomed:
            await show(welcomed)
    elif reading is not None and not reading.done():
        print()  # after the prompt the pending read shows
        await show(await simulator.enter())
        print("你: ", end="", flush=True)
    else:
        await show(await simulator.enter())
    on_card = False  # after /welcome she is a new contact who has not opened the welcome's kf card yet

    async def opens_card(first: str | None = None) -> list[Outbound] | None:
        """Her first message after /welcome is written in kf: she opened the card to get there. With `first` (her
        text) the welcome waits for it, as the held kf welcome does (bot/gateway/kf_welcome.py), so it is decided
        knowing it — a 你好 is not greeted twice — and her text is sent too: what went out is returned, unshown.
        None when she had opened it already."""
        nonlocal on_card
        if not on_card:
            return None
        on_card = False
        print(OPENS_CARD)
        messages = await simulator.enter(from_welcome=True, first=first)
        if first is None:
            await show(messages)
            return None
        return messages
    typing = typed_first  # a burst is open: its messages wait for the window to pass
    while True:
        if reading is None:
            reading = asyncio.ensure_future(read_line("" if piped else "你: "))
        if typing:
            done, _ = await asyncio.wait({reading}, timeout=burst_window)
            if not done:  # nothing more within the window: the burst is answered
                typing = False
                print()
                await show(await simulator.wait(burst_window))
                print("你: ", end="", flush=True)  # the prompt the pending read already showed
                continue
        line = await reading
        reading = None
        if piped and line is not None:
            print(f"你: {line}")  # the piped line is not on screen: prompt and line together
        if line is None or line.strip() in ("/quit", "/exit"):
            if typing:
                await show(await simulator.wait(burst_window))
            if not piped:
                print()  # after the prompt the terminal shows
            return 0
        if not line.strip():  # Enter alone, or only spaces and tabs: WeChat sends no such message either
            print(BLANK)
            continue
        command, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if typing and command.startswith("/"):
            typing = False
            await show(await simulator.wait(burst_window))  # a command closes the burst first
        if command == "/help":
            print(HELP.format(window=f"{burst_window:g}"))
        elif command == "/burst":
            texts = [t.strip() for t in rest.split("|") if t.strip()]
            if texts:
                await opens_card()
                await show(await simulator.burst(texts, window=burst_window or 2.0))
            else:
                print("  /burst 后面写几条消息，用 | 隔开，例如 /burst 好呀 | 叫我小雨")
        elif command == "/debug":
            session, profile = await simulator.session(), await simulator.profile()
            for line_of_state in state_lines(session, await simulator.next_followup() or ""):
                print(f"  {line_of_state}")
            for line_of_profile in describe_profile(profile, library.current.codebook, simulator.now):
                print(f"  {line_of_profile}")
            for line_of_reason in session.trace:
                print(f"  为什么: {line_of_reason}")
            for record in (await simulator.decisions())[-3:]:
                for line_of_decision in describe(record):
                    print(f"  策略: {line_of_decision}")
        elif command == "/wait":
            await _wait(simulator, rest, show)
        elif command == "/handback":
            if not handed:
                print("  （现在没有转人工：机器人正在回答，不用 /handback）")
            else:
                messages = await simulator.send(InboundKind.HANDBACK)
                handed = bool((await simulator.session()).handover_at)
                print("  （人工结束了会话：顾客交回机器人，接下来的消息机器人回答）")
                for message in messages:
                    print(render(message, speaker))
        elif command == "/reset":  # 从头开始: the kf welcome, not the card of a /welcome (sent at once: the welcome
            # hold that waits for her first line applies only when siyu chat starts)
            await simulator.reset()
            handed = on_card = False
            simulator.channel = channel
            print(RESET)
            await show(await simulator.enter())
        elif command == "/welcome" and rest and (unknown := unknown_channel(library.current, rest)):
            print(unknown)  # nothing changes: the customer stays who she was
        elif command == "/welcome":
            await simulator.reset()
            simulator.channel = rest or channel
            print(NEW_CONTACT)
            await show(await simulator.welcome())
            on_card = True
        elif command == "/buy":  # /buy [商品]: an order of that product, else of the one in view (POST /orders)
            product = await simulator.bought(rest)
            if rest and not product:  # a name no product has: no order of nothing is recorded
                print(unknown_product(library.current, rest))
                continue
            names = {p.id: p.name for p in library.current.understanding.knowledge.products}
            earlier = len((await simulator.profile()).purchases)  # each /buy is one more order, said so
            again = f"；这是记下的第 {earlier + 1} 单（每次 /buy 是一个新订单）" if earlier else ""
            print(f"  （{BOUGHT.format(product=names[product]) if product else BOUGHT_NONE}{again}）")
            await show(await simulator.purchase(product))
        elif command == "/delete":  # an event, not a message: recorded during a handover too
            if STAFF not in (profile := await simulator.profile()).staff:
                print(DELETED_BEFORE if profile.churned_at else NO_STAFF)  # a second /delete is not "never added"
                continue
            print(DELETED)
            for message in await simulator.delete():
                print(render(message, speaker))
        elif command in _KINDS:
            await opens_card()
            await show(await simulator.send(_KINDS[command]))
        elif command.startswith("/"):
            print("  不认识的命令，/help 看看有哪些")
        elif burst_window > 0 and not piped:
            carded = await opens_card(line)
            if carded is None:
                await simulator.send(InboundKind.TEXT, line)  # answered when the window passes
            elif carded:
                await show(carded)
            typing = True
        else:  # one turn: the line, then a pause as long as the burst window
            carded = await opens_card(line)
            if carded is None:
                carded = await simulator.send(InboundKind.TEXT, line)
            await show(carded + await simulator.wait(burst_window))
