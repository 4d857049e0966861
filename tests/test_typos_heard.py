"""How customers of the sixth blind set (knowledge/tests/blind6.yaml, read as a dev set) typed words the base
knows: homophones of a keyword that jieba cuts in two, an adverb-looking typo inside a word, and the IME
confusions and abbreviations an operator declares (knowledge/matching.yaml `variants`, `synonyms`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.understanding.matcher import Decision
from tests.content_cache import bundled_understanding

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = bundled_understanding()


@pytest.mark.parametrize(("text", "entry"), [
    ("豆印怎么去掉", "acne_marks"),  # 痘印 is a keyword, cut 痘 + 印: heard whole through its sound
    ("保直期多久", "shelf_life"),  # 直 (of 一直) inside a three-character stretch is a typo, not an adverb
])
def test_a_typo_is_heard_as_the_keyword_it_sounds_like(text: str, entry: str) -> None:
    _, _, heard = BUNDLED.search(text)
    assert heard.startswith("读成"), heard
    result = BUNDLED.understand(text)
    assert result.decision is Decision.ANSWER and result.answers == [entry], result.reason


@pytest.mark.parametrize("text", ["睡了么", "我睡了哈", "明天再说吧，我睡了。"])
def test_a_keyword_holding_a_filler_is_not_a_sound_to_hear(text: str) -> None:
    """碎了 (damaged_item's keyword) holds 了: heard through its sound, every 睡了 of a chat was a broken bottle."""
    assert BUNDLED.understand(text).decision is Decision.MISS, BUNDLED.understand(text).reason


@pytest.mark.parametrize(("text", "entry"), [
    ("可以用花被吗", "payment"),
    ("需要放雪柜吗", "storage"),  # Cantonese 雪柜 is a fridge
    ("满脸逗逗怎么办啊", "acne_skin"),
    ("熬夜熬成熊猫眼了", "dark_circles"),
    ("jf怎么攒", "points_earn"),
    ("男滴能用不", "men_use"),
    ("wuliu在哪看啊", "order_status"),
])
def test_declared_variants_and_synonyms_read_the_customers_spelling(text: str, entry: str) -> None:
    result = BUNDLED.understand(text)
    assert result.decision is Decision.ANSWER and result.answers == [entry], result.reason
