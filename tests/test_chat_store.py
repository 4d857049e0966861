"""`siyu chat --store URL`: a terminal conversation whose profile, decisions and funnel land in Redis, so an
operator can try `siyu profile / why / report` without WeCom."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from bot.policy.journal import Journal
from bot.profile.store import Profiles
from bot.store.base import Store
from tests.cli_kit import run_siyu
from tests.conftest import TEST_REDIS_URL


def siyu(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    # in this process, as a subprocess would (tests/cli_kit.py); the test loop waits on the thread meanwhile
    return run_siyu(*args, env={**env, "SIYU_BURST_WINDOW": "0"}, input=stdin)


async def test_a_chat_on_a_store_leaves_the_profile_the_decision_and_the_funnel(redis_store: Store) -> None:
    chat = await asyncio.to_thread(siyu, "chat", "--store", TEST_REDIS_URL, "--customer", "wmDemo",
                                   stdin="脸上爆痘了 急 有什么推荐\n/quit\n")
    assert chat.returncode == 0 and "水杨酸控痘精华" in chat.stdout, chat.stderr
    profile = await Profiles(redis_store).load("wmDemo")
    assert profile.tags and [o[0] for o in profile.offers] == ["clear_serum"]
    assert [d["action"] for d in await Journal(redis_store).read("wmDemo")] == ["recommend"]
    assert "wmDemo" not in chat.stderr  # nothing about the customer on stderr but the content folder line
    refused = await asyncio.to_thread(siyu, "chat", "--store", "redis://127.0.0.1:1/0")
    assert refused.returncode == 2 and "Redis 不应答" in refused.stderr


async def test_the_chat_shows_in_the_funnel_report(redis_store: Store) -> None:
    await asyncio.to_thread(siyu, "chat", "--store", TEST_REDIS_URL, "--customer", "wmFunnel", stdin="你好\n/quit\n")
    report = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", "report", "--since", "1d"],
                                     capture_output=True, text=True, timeout=60,
                                     env={**os.environ, "REDIS_URL": TEST_REDIS_URL})
    assert report.returncode == 0, report.stderr
    new_customers = next(line for line in report.stdout.splitlines() if line.startswith("新客"))
    assert new_customers.split("）", 1)[1].split()[0] == "1"  # 新客（加好友 / 进客服）  1  100% …


async def test_a_second_chat_on_the_same_store_carries_the_conversation_on(redis_store: Store) -> None:
    first = await asyncio.to_thread(siyu, "chat", "--store", TEST_REDIS_URL, "--customer", "wmAgain",
                                    stdin="包邮吗\n/quit\n")
    second = await asyncio.to_thread(siyu, "chat", "--store", TEST_REDIS_URL, "--customer", "wmAgain",
                                     stdin="几天能到\n/quit\n")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    answer = second.stdout.split("你: 几天能到", 1)[1]
    assert "隔天到" in answer and "没有回复" not in answer  # not taken for a redelivery of the first run's turn
