"""精华到了 怎么用啊, days later: the one product of that kind she was recommended, bought or named is what she asks
about (engine/hers.py, QA round 11, finding 8)."""

from __future__ import annotations

from pathlib import Path

from bot.conversation import Outbound
from bot.store.base import Store
from bot.tools.simulator import Simulator
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parents[1]
MORNING = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai
LIBRARY = bundled_library()
DAY = 86_400.0


def labels(messages: list[Outbound]) -> list[str]:
    return [m.label for m in messages]


async def test_the_one_serum_she_bought_is_the_serum_she_asks_about_days_later(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("你好")
    await sim.purchase("night_serum")
    await sim.wait(3 * DAY)
    assert labels(await sim.say("精华到了 白天能用吗")) == ["product:night_serum#0"]


async def test_two_serums_of_hers_leave_the_question_to_the_general_answer(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("你好")
    await sim.purchase("night_serum")
    await sim.purchase("calm_serum")
    await sim.wait(3 * DAY)
    assert labels(await sim.say("精华到了 怎么用啊")) == ["faq:serum_usage"]


async def test_a_price_of_a_kind_asks_about_the_range_not_hers(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("你好")
    await sim.purchase("night_serum")
    await sim.wait(3 * DAY)
    assert "product:night_serum#1" not in labels(await sim.say("你们精华多少钱"))


async def test_advice_taken_back_when_her_situation_rules_it_out_is_taken_back_once(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("我32了 眼角有细纹了")
    assert "product.taken_back" in labels(await sim.say("我们在备孕哦"))
    assert "product.taken_back" not in labels(await sim.say("对 我在备孕"))


async def test_a_situation_said_before_anything_was_suggested_takes_nothing_back(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("我在备孕")
    assert "product.taken_back" not in labels(await sim.say("眼角有细纹了怎么办"))
