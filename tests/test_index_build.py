"""Index building: how many entries use a feature (its rarity), whatever order the phrasings come in."""

from __future__ import annotations

import math

from bot.understanding.analysis import FACTORS, Analysis
from bot.understanding.index import Index


def _analysis(*words: str) -> Analysis:
    return Analysis("".join(words), words, frozenset(), {"w|" + word: FACTORS["w"] for word in words})


def _rarity(entries: int, using: int) -> float:
    return math.log(1 + (entries - using + 0.5) / (using + 0.5))


def _weight(index: Index, word: str) -> float:
    return index.weights[index.ids["w|" + word]]


def test_a_feature_counts_once_per_entry_whose_phrasings_come_together() -> None:
    index = Index([("a", "1", _analysis("退货", "运费")), ("a", "2", _analysis("退货")),
                   ("b", "3", _analysis("退货")), ("c", "4", _analysis("发票"))], FACTORS)
    assert _weight(index, "退货") == _rarity(3, 2)  # entries a and b, not three phrasings
    assert _weight(index, "运费") == _rarity(3, 1)
    assert _weight(index, "发票") == _rarity(3, 1)


def test_an_entry_met_again_later_counts_as_before() -> None:
    """Phrasings of one entry apart (a, b, a): a feature is counted each time another entry's phrasing came
    between two that use it, the rule of the per-feature count this replaced."""
    index = Index([("a", "1", _analysis("退货", "运费")), ("b", "2", _analysis("退货")),
                   ("a", "3", _analysis("退货", "运费"))], FACTORS)
    assert _weight(index, "退货") == _rarity(2, 3)  # a, then b, then a again
    assert _weight(index, "运费") == _rarity(2, 1)  # b did not use it in between
