"""What a customer says about price, for the choice of a product (knowledge/policy.yaml `price`).

- a budget: a sum said with one of the policy's `price.limit` words (预算一百以内, 200以下, 不超过150块);
- cheaper: one of the policy's `price.cheaper` words in an explicit ask (有没有便宜点的, 推荐的都太贵了) —
  cheaper than every product offered to her before she said it.
Products without a `price` are never left out for it. The words are content; only the reading of a sum
(arabic or Chinese numerals) is code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.understanding.knowledge import Product

CHEAPER = 0.0  # profile.budget[0] for "cheaper than what was offered" (a budget of 0 yuan means nothing)
_DIGITS = dict(zip("零一二两三四五六七八九", (0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_SUM = re.compile(r"\d+(?:\.\d+)?|[零一二两三四五六七八九十百千万]{2,}|[一二两三四五六七八九十百千万]")


def budget_in(text: str, limits: Sequence[str]) -> float | None:
    """The sum said nearest to a `limits` word in a normalised message (预算一百以内 → 100), if any."""
    places = [found.start() for word in limits if word for found in re.finditer(re.escape(word), text)]
    if not places:
        return None
    sums = [(min(abs(found.start() - at) for at in places), _amount(found.group())) for found in _SUM.finditer(text)]
    sums = [(distance, value) for distance, value in sums if value and value >= 10]  # 1 瓶 is no budget
    return min(sums)[1] if sums else None


def amount(token: str) -> float:
    """A number as written: 2, 2.5, 两, 十二, 一百五."""
    return _amount(token)


def _amount(token: str) -> float:
    if token[0].isdigit():
        return float(token)
    total, current, unit = 0, 0, 1
    for char in token:
        if char in _DIGITS:
            current = _DIGITS[char]
        elif _UNITS[char] == 10000:
            total, current, unit = (total + current) * 10000, 0, 10000
        else:
            unit = _UNITS[char]
            total, current = total + (current or 1) * unit, 0
    if current and unit >= 100 and "零" not in token:
        current *= unit // 10  # 一百五 is 150
    return float(total + current)


def stated_budget(budget: list[Any]) -> float | None:
    """The sum she said (profile.budget[0], or kept as [3] when she later asked for something cheaper)."""
    if not budget:
        return None
    if float(budget[0]) != CHEAPER:
        return float(budget[0])
    return float(budget[3]) if len(budget) > 3 else None


def price_limit(budget: list[Any], offers: list[list[Any]], products: Sequence[Product]) -> float | None:
    """The most she wants to pay now: her budget, or under the cheapest product offered before she asked
    for a cheaper one, whichever is lower; None when she said nothing about price (or nothing offered had a
    price and she named no sum)."""
    if not budget:
        return None
    said = stated_budget(budget)
    if float(budget[0]) != CHEAPER:
        return said
    prices = {p.id: p.price for p in products if p.price is not None}
    offered = [prices[str(o[0])] for o in offers if float(o[1]) <= float(budget[1]) and str(o[0]) in prices]
    limits = [limit for limit in (min(offered) - 0.01 if offered else None, said) if limit is not None]
    return min(limits) if limits else None
