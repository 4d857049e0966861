"""The kf bot respects the group blacklist: a blacklisted customer is answered but never recommended to."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.conversation import Inbound, InboundKind
from bot.enforcement import blacklist
from bot.engine.engine import Engine
from bot.store.base import Store
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parent.parent
MORNING = 1_767_225_600.0 + 2 * 3600
LIBRARY = bundled_library()
SURVEY = ("推荐一下", "好", "油皮", "长痘", "想解决")


async def conversation(engine: Engine, customer: str) -> list[str]:
    ids = itertools.count()
    labels: list[str] = []
    for text in SURVEY:
        inbound = Inbound(f"{customer}-{next(ids)}", InboundKind.TEXT, customer, text=text, at=MORNING)
        labels.extend(m.label for m in (await engine.respond(f"kf:wk:{customer}", inbound)).messages)
    return labels


async def test_a_blacklisted_customer_gets_no_recommendation(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    assert "card:clear_serum" in await conversation(engine, "wmGood")
    assert await blacklist.add(store, "wmSpam", {"reason": "fraud in 护肤日常1群"}, MORNING)
    assert not await blacklist.add(store, "wmSpam", {"reason": "again"}, MORNING)  # the first reason stays
    labels = await conversation(engine, "wmSpam")
    assert "recommend.nothing_fits" in labels and not any(label.startswith("card:") for label in labels)
    session = await engine.sessions.load("kf:wk:wmSpam")
    assert session.restrained == "blacklisted: fraud in 护肤日常1群"
    assert [c for c, _ in await blacklist.listed(store)] == ["wmSpam"]
    assert await blacklist.remove(store, "wmSpam") and await blacklist.restraint(store, "wmSpam") is None
