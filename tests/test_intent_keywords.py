"""A keyword that normalises to one character (拜拜 → 拜, 哈哈哈 → 哈, 相亲 → 相) is a word of its own, never a piece
of a longer word: 用了一个礼拜 was read as goodbye and answered 「拜拜～」 (blind8, engine level)."""

from __future__ import annotations

import pytest

from tests.content_cache import bundled_understanding

UNDERSTANDING = bundled_understanding()


def detected(text: str) -> list[str]:
    return [name for name, _ in UNDERSTANDING.intents.detect(UNDERSTANDING.normalize(text), 85)]


@pytest.mark.parametrize(("text", "absent"), [
    ("用了一个礼拜 额头冒了好多小闭口", "goodbye"),
    ("上礼拜去医院点了痣", "goodbye"),
    ("我在哈尔滨", "laugh"),
    ("我不太相信网上买的", "moment_big_day"),
])
def test_one_character_keywords_inside_a_longer_word_say_nothing(text: str, absent: str) -> None:
    assert absent not in detected(text)


@pytest.mark.parametrize(("text", "intent"), [
    ("拜拜啦", "goodbye"), ("那先这样拜拜", "goodbye"), ("哈哈哈哈", "laugh"), ("谢谢亲", "thanks"),
    ("好的谢谢你", "thanks"), ("明天去相亲", "moment_big_day"), ("猜猜看", "tease"),
])
def test_the_same_keywords_standing_alone_still_count(text: str, intent: str) -> None:
    assert intent in detected(text)


def test_a_shipping_fee_is_no_price_question() -> None:
    assert "ask_price" not in detected("不满包邮的话运费多少钱")
    assert "ask_price" in detected("精华多少钱")


def test_a_variant_written_as_itself_keeps_its_word_whole() -> None:
    """亲: "" drops the address 亲 (亲 在吗); 相亲: 相亲 and 亲肤: 亲肤 keep those words (knowledge/matching.yaml)."""
    normalize = UNDERSTANDING.normalize
    assert normalize("亲 在吗") == "在吗"
    assert normalize("谢谢亲") == "谢"
    assert normalize("明天去相亲") == "明天去相亲"
    assert normalize("这个亲肤吗") == "这个亲肤吗"


def test_variants_keep_words_only_where_they_stand() -> None:
    from bot.variants import Variants

    variants = Variants({"亲": ""}, keep=["相亲"])
    assert variants.replace("亲相亲亲") == "相亲"
    assert Variants({}, keep=["相亲"]).replace("相亲") == "相亲"
