"""The engine and the customer's profile: one profile per customer across conversations, written once per
event, readable by operators (`/debug`, `siyu profile`, `siyu why`)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

from bot.conversation import Inbound, InboundKind
from bot.engine.engine import Engine
from bot.profile.store import Profiles
from bot.store.base import Store
from tests.conftest import TEST_REDIS_URL
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = bundled_library()
MORNING = 1_767_225_600.0 + 2 * 3600


def text(event_id: str, customer: str, words: str, at: float = MORNING) -> Inbound:
    return Inbound(event_id, InboundKind.TEXT, customer, text=words, at=at)


async def test_one_profile_whichever_way_the_customer_came(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    await engine.respond("kf:wk1:wmX", text("k1", "wmX", "别推了"))
    turn = await engine.respond("ext:emp1:wmX", text("a1", "wmX", "帮我挑一个", MORNING + 60))
    assert [m.label for m in turn.messages] == ["recommend.which_concern"]
    why = await engine.journal.read("wmX")
    assert any("说过别推了" in r for r in why[0]["reasons"])
    profile = await engine.profiles.load("wmX")
    assert profile.opted_out and profile.customer == "wmX"


async def test_a_redelivered_or_replayed_event_counts_its_evidence_once(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    urgent = text("k1", "wmR", "脸上爆痘了 急")
    first = await engine.respond("kf:wk1:wmR", urgent)
    assert await engine.respond("kf:wk1:wmR", urgent) == first  # a redelivery: the stored turn
    # a crash after the profile was saved but before the session was: the turn runs again
    await engine.sessions.reset("kf:wk1:wmR")
    await engine.respond("kf:wk1:wmR", urgent)
    profile = await engine.profiles.load("wmR")
    assert [e[0] for e in profile.evidence] == ["urgent", "pain"]


async def test_concurrent_turns_of_one_customer_lose_no_profile_update(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    turns = [engine.respond(f"{channel}:wmC", text(f"{channel}{n}", "wmC", "长痘了", MORNING + n))
             for n in range(5) for channel in ("kf:wk1", "ext:emp1")]
    await asyncio.gather(*turns)
    profile = await engine.profiles.load("wmC")
    assert [e[0] for e in profile.evidence].count("pain") == 10
    assert len(profile.applied) == 8


async def test_siyu_profile_and_siyu_why_read_a_running_bots_store(redis_store: Store) -> None:
    engine = Engine(LIBRARY, redis_store, burst_window=0)
    await engine.respond("kf:wk1:wmP", text("k1", "wmP", "我是大油田，脸上爆痘了 急 有什么推荐"))
    env = {**os.environ, "REDIS_URL": TEST_REDIS_URL}

    def run(*args: str, environ: dict[str, str] = env) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=environ,
                              timeout=60)

    shown = (await asyncio.to_thread(run, "profile", "wmP")).stdout
    assert "skin=2 油皮（顾客自己说的）" in shown and "concern=3 痘痘（顾客自己说的）" in shown and "goal=未问" in shown
    assert "需求证据: ask_done +3" in shown and "推荐过: clear_serum" in shown and "还没有添加员工" in shown
    why = (await asyncio.to_thread(run, "why", "wmP")).stdout
    assert "推荐 clear_serum" in why and "因为: 顾客主动要推荐" in why and "证据: ask +3" in why
    unknown = await asyncio.to_thread(run, "profile", "wmNobody")
    assert unknown.returncode == 1 and "没有顾客 wmNobody 的档案" in unknown.stderr
    no_store = {k: v for k, v in env.items() if k != "REDIS_URL"}
    for command in ("profile", "why"):
        refused = await asyncio.to_thread(run, command, "wmP", environ=no_store)
        assert refused.returncode == 2 and "REDIS_URL" in refused.stderr


def test_debug_in_siyu_chat_shows_the_profile_and_the_decision() -> None:
    lines = "脸上爆痘了 急 有什么推荐\n/debug\n/quit\n"
    out = subprocess.run([sys.executable, "-m", "bot", "chat"], input=lines, capture_output=True, text=True,
                         timeout=60).stdout
    assert "水杨酸控痘精华" in out
    assert "调研: skin=未问  concern=3 痘痘（顾客自己说的）" in out
    assert "策略: 推荐 clear_serum" in out and "策略:   因为: 顾客主动要推荐" in out
    assert "为什么: 需求证据 urgent +2（急）" in out


async def test_profiles_edit_refuses_when_held_too_long(store: Store) -> None:
    profiles = Profiles(store, wait_s=0.1)
    assert await store.acquire(Profiles.lock_key("wmL"), "someone", 5000)
    try:
        async with profiles.edit("wmL"):
            raise AssertionError("must not get the lock")
    except Exception as error:
        assert type(error).__name__ == "ProfileBusy"


async def test_a_handover_timeout_is_a_safety_net_only_when_configured(store: Store) -> None:
    waits = Engine(LIBRARY, store, burst_window=0)
    timed = Engine(LIBRARY, store, burst_window=0, handover_timeout=3600, keep_trace=True)
    for engine, customer in ((waits, "wmW"), (timed, "wmT")):
        await engine.respond(f"kf:wk1:{customer}", text("h1", customer, "转人工"))
    later = MORNING + 2 * 3600
    assert (await waits.respond("kf:wk1:wmW", text("h2", "wmW", "你好", later))).messages == []
    resumed = await timed.respond("kf:wk1:wmT", text("h2", "wmT", "你好", later))
    assert [m.label for m in resumed.messages] == ["greeting"]
    session = await timed.sessions.load("kf:wk1:wmT")
    assert session.handover_at == 0 and any("SIYU_HANDOVER_TIMEOUT" in line for line in session.trace)


def test_debug_in_siyu_chat_is_in_the_operators_words() -> None:
    """Every line /debug prints is Chinese (content names such as recommend.gate or clear_serum aside): the
    reasons, the rules that fired, what was understood, the state, variables and context."""
    turns = ["你好", "好呀", "叫我小雨", "/burst 我是油皮 | 最近老爆痘 急", "推荐一下", "好用吗", "包邮吗", "能发顺丰吗",
             "还是爆痘", "嗯", "量子力学怎么学", "asdfgh", "qwerty", "别推了", "/image", "转人工"]
    lines = "".join(f"{turn}\n/debug\n" for turn in turns) + "/quit\n"
    out = subprocess.run([sys.executable, "-m", "bot", "chat"], input=lines, capture_output=True, text=True,
                         timeout=120, env={**os.environ, "SIYU_BURST_WINDOW": "0"}).stdout
    shown = [line for line in out.splitlines() if line.startswith("  ") and not line.startswith("  （")]
    assert any(line.startswith("  为什么: 理解：") for line in shown), out
    english = [line for line in shown if re.search(r"\b[A-Za-z]{2,} [A-Za-z]{2,}\b", line)
               or re.search(r"[{(]'|\(said\)|\(proactive\)", line)]
    assert not english, english
