"""trial15's cosmetic findings: `siyu forget` said 「keys 5，queued events 4」 in English inside a Chinese line."""

from __future__ import annotations

from bot.retention.forget import forget
from bot.store.base import Store
from bot.tools.operations import FORGOTTEN


async def test_every_kind_forget_counts_has_a_chinese_name(redis_store: Store) -> None:
    counts = await forget(redis_store, "wmNobodyHere")
    assert set(counts) <= set(FORGOTTEN), set(counts) - set(FORGOTTEN)
