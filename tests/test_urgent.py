"""Emergencies (FAQ `alone: true`, engine/urgent.py), an allergy told before buying (engine/allergen.py) and the
products the bot's own words name (engine/taken_back.py) — QA round 14. The conversations themselves are in
flows/tests/qa14_safety.yaml; these check the mechanism an operator switches on and off in content."""

from __future__ import annotations

from pathlib import Path

from bot.conversation import Inbound, InboundKind
from bot.engine.content import load_content
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.store.base import Store
from bot.understanding.naming import ProductNames
from tests.content_kit import edit

ROOT = Path(__file__).resolve().parent.parent
NOW = 1_767_225_600.0 + 2 * 3600
ALONE = "    alone: true   # 急事：先答、只答它（刷伤了 还能用A醇吗：不再接着说A醇怎么建立耐受）\n"


def said(event_id: str, words: str, at: float = NOW, customer: str = "wmU") -> Inbound:
    return Inbound(event_id, InboundKind.TEXT, customer, text=words, at=at)


async def labels(root: Path, store: Store, customer: str, *words: str) -> list[list[str]]:
    engine = Engine(Library.load(root), store, burst_window=0)
    turns = []
    for number, text in enumerate(words):
        turn = await engine.respond(f"kf:wk1:{customer}", said(f"{customer}{number}", text, NOW + 60 * number,
                                                                customer))
        turns.append([m.label for m in turn.messages])
    return turns


async def test_an_entry_marked_alone_is_the_only_answer_of_its_turn(content: Path, store: Store) -> None:
    """脸上破皮渗液了 还能用A醇吗: with `alone` the emergency only; without it the retinol how-to came after it.
    (刷酸刷伤了 还能用A醇吗, the example until the thirteenth session, reads as ingredient_pairing without `alone`
    now: 刷伤 is a keyword of an entry never asked 能不能, ENTRY_KIND_CLASH; with `alone` it is the emergency.)"""
    assert await labels(ROOT, store, "wmA", "脸上破皮渗液了 还能用A醇吗") == [["faq:skin_emergency"]]
    assert await labels(ROOT, store, "wmC", "刷酸刷伤了 还能用A醇吗") == [["faq:skin_emergency"]]
    edit(content, "knowledge/faq.yaml", ALONE, "")  # skin_emergency no longer alone
    assert await labels(content, store, "wmB", "脸上破皮渗液了 还能用A醇吗") == [["faq:skin_emergency",
                                                                            "faq:ingredient_retinol"]]


async def test_the_intent_of_an_alone_entry_wins_over_what_the_message_matches(content: Path, store: Store) -> None:
    """脸上烂了 流水了 还能用水杨酸吗 matches the salicylic entry ("算温和的"); its skin_damaged intent makes it the
    emergency — only while the entry is marked alone and follows that intent."""
    assert await labels(ROOT, store, "wmA", "脸上烂了 流水了 还能用水杨酸吗") == [["faq:skin_emergency"]]
    edit(content, "knowledge/faq.yaml", ALONE, "")  # skin_emergency no longer alone
    assert await labels(content, store, "wmB", "脸上烂了 流水了 还能用水杨酸吗") != [["faq:skin_emergency"]]


async def test_an_allergy_told_before_buying_is_answered_from_the_ingredients(content: Path, store: Store) -> None:
    """我对烟酰胺过敏 提亮精华能用吗: the serum holds it (products.yaml `ingredients`), so no; no handover."""
    engine = Engine(Library.load(ROOT), store, burst_window=0)
    turn = await engine.respond("kf:wk1:wmU", said("a1", "我对烟酰胺过敏 提亮精华能用吗"))
    assert [m.label for m in turn.messages] == ["allergen.holds"] and "4%烟酰胺" in turn.messages[0].text
    assert not turn.handover
    profile = await engine.profiles.load("wmU")
    assert [d[0] for d in profile.disliked] == ["bright_serum"]
    edit(content, "knowledge/products.yaml", '{烟酰胺: "4%", 传明酸/氨甲环酸: ""}', '{传明酸/氨甲环酸: ""}')
    edit(content, "knowledge/products.yaml", '{积雪草: "", 神经酰胺: ""}', '{积雪草: "", 神经酰胺: "", 烟酰胺: ""}')
    other = Engine(Library.load(content), store, burst_window=0)
    turn = await other.respond("kf:wk1:wmV", said("a2", "我对烟酰胺过敏 提亮精华能用吗", customer="wmV"))
    assert [m.label for m in turn.messages] == ["allergen.not_listed"]  # the data decides, not the name


def test_the_bots_own_words_name_a_product_by_its_name_not_by_an_ingredient() -> None:
    understanding = load_content(ROOT).understanding
    names = ProductNames(understanding.knowledge.products, understanding.normalize)
    ingredient = understanding.normalize("黑头每周2-3次晚上在鼻翼局部用水杨酸")
    assert names.named(ingredient) is not None  # a customer saying 水杨酸 means the serum …
    assert names.named(ingredient, by_word=False) is None  # … the bot's oily-skin tip does not
    product = names.named(understanding.normalize("含水杨酸的控痘精华这段时间先不要用"), by_word=False)
    assert product is not None and product.product.id == "clear_serum"
