"""What a customer says about price (bot/policy/price.py): her budget, or cheaper than what was offered."""

from __future__ import annotations

import pytest

from bot.policy.price import CHEAPER, budget_in, price_limit
from bot.understanding.knowledge import Product

LIMITS = ["以内", "以下", "不超过", "预算"]


@pytest.mark.parametrize(("text", "budget"), [
    ("预算一百以内有什么推荐的", 100), ("200以下的", 200), ("不超过150块", 150), ("预算一百五", 150),
    ("两百以内", 200), ("预算八十", 80), ("一百零五以内", 105), ("预算99.9", 99.9), ("一千以内", 1000),
    ("买一瓶预算300以内", 300),
])
def test_a_sum_said_with_a_limit_word_is_her_budget(text: str, budget: float) -> None:
    assert budget_in(text, LIMITS) == budget


@pytest.mark.parametrize("text", ["有什么推荐的", "买2瓶便宜吗", "一百块的那个好用吗", "预算不多", "预算一般"])
def test_no_limit_word_or_no_sum_is_no_budget(text: str) -> None:
    assert budget_in(text, LIMITS) is None


def _product(pid: str, price: float | None) -> Product:
    return Product(id=pid, name=pid, fits=["油皮"], pitch="p", price=price)


def test_cheaper_is_under_the_cheapest_priced_product_offered_before_she_said_it() -> None:
    products = [_product("a", 169), _product("b", 139), _product("c", None)]
    offers = [["a", 10.0, "asked"], ["c", 11.0, "asked"], ["b", 30.0, "asked"]]
    assert price_limit([CHEAPER, 20.0, "太贵"], offers, products) == pytest.approx(168.99)
    assert price_limit([CHEAPER, 5.0, "太贵"], offers, products) is None  # nothing offered yet: no limit
    assert price_limit([120.0, 20.0, "预算120元"], offers, products) == 120
    assert price_limit([], offers, products) is None
