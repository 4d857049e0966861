"""猜你想问: a missed question one entry clearly leads is offered; the customer's yes answers it and what she
asked is kept for `siyu misses` as a phrasing she confirmed (engine/suggestion.py)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.engine.engine import NEAR_MISSES
from bot.engine.library import Library
from bot.store.base import Store
from bot.tools.simulator import Simulator
from tests.conftest import TEST_REDIS_URL
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parent.parent
MORNING = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai
LIBRARY = bundled_library()
ASKED = "快递盒子到了里面的瓶子裂开了咋整"


def labels(messages: list[object]) -> list[str]:
    return [getattr(m, "label", "") for m in messages]


async def test_a_confirmed_suggestion_is_answered_and_kept_for_siyu_misses(redis_store: Store) -> None:
    sim = Simulator(LIBRARY, store=redis_store, start=MORNING)
    offered = await sim.say(ASKED)
    assert labels(offered) == ["suggest"] and "收到的瓶子碎了" in offered[0].text
    assert labels(await sim.say("对的")) == ["faq.damaged_item"]
    records = [json.loads(r) for r in await redis_store.lrange(NEAR_MISSES, 0, -1)]
    assert {"text": ASKED, "confirmed": "damaged_item"}.items() <= records[0].items()
    assert records[0]["customer"] != sim.customer  # a tag `siyu forget` finds, never the customer id

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    shown = await asyncio.to_thread(subprocess.run, [sys.executable, "-m", "bot", "misses"], capture_output=True,
                                    text=True, env={**env, "REDIS_URL": TEST_REDIS_URL}, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert ASKED in shown.stdout and "顾客确认就是想问: damaged_item" in shown.stdout


async def test_no_and_other_replies_do_not_take_the_suggestion(redis_store: Store) -> None:
    sim = Simulator(LIBRARY, store=redis_store, start=MORNING)
    assert labels(await sim.say(ASKED)) == ["suggest"]
    assert labels(await sim.say("不是")) == ["suggest.no"]
    assert labels(await sim.say("是")) != ["faq.damaged_item"]  # the offer was two turns ago
    assert not [r for r in await redis_store.lrange(NEAR_MISSES, 0, -1) if "confirmed" in r]


async def test_without_suggest_in_the_persona_the_fallback_is_said(tmp_path: Path, redis_store: Store) -> None:
    import shutil

    root = tmp_path / "content"
    shutil.copytree(ROOT, root, ignore=shutil.ignore_patterns(".git", ".venv", "*_cache", "tests", "bot", "bench", "docs", "*.egg-info",
                                                              ".venv"))
    persona = root / "persona" / "xiaowanzi.yaml"
    text = persona.read_text(encoding="utf-8")
    start = text.index("  suggest:")
    end = text.index("  statement.unclear:")
    persona.write_text(text[:start] + text[end:], encoding="utf-8")
    sim = Simulator(Library.load(root), store=redis_store, start=MORNING)
    assert labels(await sim.say(ASKED)) == ["fallback"]
