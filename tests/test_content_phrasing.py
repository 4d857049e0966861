"""The bundled knowledge understands customers' own words for what it answers, and not their small talk.

Each case was a gap or a false answer found while writing the content (2026-11-26, content-more): the tuning
set (knowledge/tests/eval.yaml) holds more lines like them; these pin the reasons in knowledge/matching.yaml
and knowledge/faq.yaml that a later edit could undo without noticing.
"""

from __future__ import annotations

import pytest

from bot.understanding.matcher import Decision
from tests.content_cache import bundled_understanding

BUNDLED = bundled_understanding()


@pytest.mark.parametrize(("message", "entry"), [
    ("混干皮适合吗", "combo_skin"),  # variant 混干皮 → 混干: combination skin, not dry skin
    ("我是混油皮", "combo_skin"),
    ("我还在读书 有学生价吗", "coupon_how"),  # 学生价 is a discount word
    ("PA后面几个加号有啥讲究", "sunscreen_numbers"),
    ("开始刷酸之后反而爆痘了", "breakout_after_use"),
    ("你们精华天天用多久能用完", "bottle_lasts"),
    ("乳液放久了油水分离还能用吗", "shelf_life"),  # spoilage signs live in shelf_life's answer
    ("你们防晒防水不", "our_sunscreen"),
    ("没发货前规格还能改不", "change_address"),  # order changes before shipping: a person edits the order
    ("发票可以要纸质的吗", "invoice"),
    ("地址写错了咋整", "change_address"),  # 咋整 → 怎么整, a how-question
    ("防晒会闷痘吗", "our_sunscreen"),
])
def test_customers_own_words_are_answered(message: str, entry: str) -> None:
    result = BUNDLED.understand(message)
    assert result.decision is Decision.ANSWER and result.answers == [entry], result.reason


@pytest.mark.parametrize("message", [
    "我是学生",  # a self-introduction (the icebreak goes on), not a discount question
    "你知道我在想你吗",  # 知道 is everyday talk: authenticity no longer asks with it
    "我手机防水吗",  # 防水 alone is not our sunscreen
    "感情变质了怎么办",
    "我家冰箱有股怪味",
    "工资又用完了",
    "好 那我下单了",  # news of an order, not a cancellation
    "今天在吗",  # shipping_time no longer asks with 今天 alone (今天能发出吗 → 今天下单今天能发吗)
])
def test_small_talk_with_the_shops_words_is_not_answered(message: str) -> None:
    result = BUNDLED.understand(message)
    assert result.decision is not Decision.ANSWER, result.reason
