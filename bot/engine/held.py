"""防晒孕妇能用吗: a product named by a word only its name holds (防晒 in 轻透日常防晒), asked something its own
answers cover (knowledge/products.yaml `answers`): that product's answer, not the FAQ's general one, nor the
answer of the product discussed before (保湿水 → 防晒孕妇能用吗 is about the sunscreen). An FAQ answer that speaks
of the word itself (防晒是多少倍的: our_sunscreen's answer names 防晒; 孕妇能用A醇吗: the pregnancy answer names A醇)
stays the answer, as does one written in the persona (its wording is not known here)."""

from __future__ import annotations

from bot.engine.followup import FollowUp, _each_question, answered_by, product_names
from bot.understanding.matcher import Decision, Result, Understanding


def held_answer(understanding: Understanding, result: Result) -> FollowUp | None:
    names = product_names(understanding)
    for word in result.words:
        product = names.only_holder(word)
        if product is None or _faq_speaks_of(understanding, result, word):
            continue
        asked = result.heard.replace(word, "", 1)
        if not asked or understanding.analyze(asked).empty:
            continue  # 防晒 alone names it and asks nothing (product.about elsewhere)
        each = _each_question(understanding, product, result, word)
        if each is not None:  # 哺乳期能用你们的防晒吗 油皮: nursing too, not the oily-skin answer alone
            return each
        found = answered_by(understanding, product, asked, f"“{word}”只有一款商品的名字里有：")
        if found is not None:
            return found
    return None


def _faq_speaks_of(understanding: Understanding, result: Result, word: str) -> bool:
    if result.decision is not Decision.ANSWER:
        return False
    entries = [understanding.faq_by_id[a] for a in result.answers if a in understanding.faq_by_id]
    return any(not entry.answer or word in understanding.normalize(entry.answer) for entry in entries)
