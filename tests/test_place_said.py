"""Where she said she is (engine/situation.py): a place name, never a common word jieba's dictionary tags as one."""

from __future__ import annotations

from bot.engine.situation import PLACE
from bot.store.base import Store
from bot.tools.simulator import Simulator
from bot.understanding.segment import SEGMENTER
from tests.content_cache import bundled_library

MORNING = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai
LIBRARY = bundled_library()


async def test_a_week_of_waiting_is_no_place_she_lives(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("我的快递怎么还没到 都一个礼拜了")
    assert PLACE not in (await sim.session()).context


async def test_the_place_she_names_is_remembered(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("我在新疆")
    item = (await sim.session()).context[PLACE]
    assert (item.get("value") if isinstance(item, dict) else item) == "新疆"


def test_common_words_and_single_characters_are_no_places() -> None:
    places = SEGMENTER.places()
    assert {"新疆", "北京", "香港", "城市"} <= places
    assert not {"礼拜", "东西", "福利", "香水", "美", "汀"} & places
