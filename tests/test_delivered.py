"""签收三天了, 18号签收的: the days since she signed for her parcel, from today's date (QA round 13, finding 4)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.engine.delivered import told
from bot.understanding.knowledge import Delivered

SPEC = Delivered(words=["签收", "收到", "到货", "到的"], window_days=7, answers=["return_policy"])
TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(("text", "days"), [
    ("18号签收的", 9), ("十八号签收的，能退吗", 9), ("27号收到的", 0), ("28号签收的", 30),  # 28th: last month's
    ("签收三天了", 3), ("签收了两天", 2), ("收到十天了还能退吗", 10), ("三天前签收的", 3), ("昨天签收的", 1),
    ("签收是20号", 7), ("前天收到的", 2),
])
def test_days_since_she_signed(text: str, days: int) -> None:
    found = told(SPEC, text, TODAY)
    assert found is not None and found[0] == days


def test_a_day_later_than_today_is_last_month_and_january_looks_back_to_december() -> None:
    assert told(SPEC, "18号签收的", date(2026, 1, 1)) == (14, "签收")
    assert told(SPEC, "31号签收的", date(2026, 12, 1)) is None  # November has no 31st


@pytest.mark.parametrize("text", ["怎么签收", "签收了吗", "快递18号能到吗", "我18岁", "三天能到吗"])
def test_no_day_of_signing(text: str) -> None:
    assert told(SPEC, text, TODAY) is None
