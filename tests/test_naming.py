"""A product asked about by name is answered from its own answers (knowledge/products.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.followup import follow_up
from bot.engine.session import Session
from bot.understanding.naming import ProductNames
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
UNDERSTANDING = bundled_content().understanding
NAMES = ProductNames(UNDERSTANDING.knowledge.products, UNDERSTANDING.normalize)


@pytest.mark.parametrize(("said", "product", "rest"), [
    ("舒缓修护精华多少钱", "calm_serum", "多少钱"),  # the whole name
    ("舒缓精华贵吗", "calm_serum", "贵吗"),  # pieces covering four characters of it
    ("水杨酸精华孕妇能用吗", "clear_serum", "孕妇能用吗"),
    ("控油乳液怎么用", "fresh_lotion", "怎么用"),
    ("玻尿酸那个多少钱", "hydra_toner", "那个多少钱"),  # three characters no other name has
])
def test_a_product_is_named_by_enough_of_its_name(said: str, product: str, rest: str) -> None:
    named = NAMES.named(UNDERSTANDING.normalize(said))
    assert named is not None and (named.product.id, named.rest) == (product, rest)


@pytest.mark.parametrize("said", [
    "修护精华怎么用",  # two names share it
    "控油怎么做",  # a concern, not a product
    "防晒多久补涂一次",
    "舒缓修护精华和水杨酸精华哪个好",  # two products compared
    "包邮吗",
])
def test_nothing_is_named_by_a_shared_or_common_word(said: str) -> None:
    assert NAMES.named(UNDERSTANDING.normalize(said)) is None


def test_a_question_about_a_named_product_gets_its_own_answer_without_a_recommendation() -> None:
    found = follow_up(Session(turns=5), UNDERSTANDING, UNDERSTANDING.understand("舒缓修护精华多少钱"))
    assert found is not None and found.product is not None and found.product.id == "calm_serum"
    assert "199" in found.product.answers[found.number].answer
    found = follow_up(Session(turns=5), UNDERSTANDING, UNDERSTANDING.understand("水杨酸精华孕妇能用吗"))
    assert found is not None and found.product is not None and found.product.id == "clear_serum"
    assert "孕期" in found.product.answers[found.number].answer
    about = follow_up(Session(turns=5), UNDERSTANDING, UNDERSTANDING.understand("舒缓修护精华"))  # nothing asked
    assert about is not None and about.about and about.product is not None and about.product.id == "calm_serum"
    assert follow_up(Session(turns=5), UNDERSTANDING, UNDERSTANDING.understand("我用过舒缓修护精华")) is None


def test_the_one_product_a_word_belongs_to() -> None:
    sunscreen = NAMES.only_holder("防晒")
    assert sunscreen is not None and sunscreen.id == "daily_sunscreen"
    assert NAMES.only_holder("精华") is None  # several names hold it
    assert NAMES.only_holder("晒") is None  # one character names nothing


@pytest.mark.parametrize(("said", "products"), [
    ("那就拿A醇和保湿水 一共多少钱", ["night_serum", "hydra_toner"]),
    ("保湿水和防晒一共多少", ["hydra_toner", "daily_sunscreen"]),
    ("舒缓修护精华和水杨酸精华哪个好", ["calm_serum", "clear_serum"]),
    ("保湿水多少钱", []),  # one product: named(), not several()
    ("修护精华多少钱", []),  # a name two share names neither
])
def test_several_products_named_in_the_order_said(said: str, products: list[str]) -> None:
    result = UNDERSTANDING.understand(said)
    assert [p.id for p in NAMES.several(result.heard, result.words)] == products
