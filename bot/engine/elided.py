"""那A醇呢 right after 孕妇能用吗 was answered: the question just answered again, about A醇 (or what she said, when
that turn answered a statement: 我怀孕了 → 防晒呢). A product subject takes the place of the product the question
named (孕妇能用A醇吗 → 防晒呢 asks 孕妇能用吗 of the sunscreen); a message with an intent is none (人呢).

In this order:
- a product the subject names answers from its own answers (那烟酰胺精华呢);
- the one product whose name holds the subject answers from its own answers (那防晒呢; 那A醇呢 after 孕妇能用吗: the
  night serum's own 它含A醇，孕期和哺乳期都不要用哦, more to the point than a clause of the answer just given);
- the part of the answer just given that speaks of the subject (孕妇能用吗 → 那水杨酸呢 when no product alone holds it);
- the FAQ that subject + question matches (你们有卖口红吗 → 那洗发水呢) — unless the subject changes nothing: the
  question alone gets that answer, and the subject alone another (敏感肌能用吗 → 那A醇呢 read as A醇敏感肌能用吗 is
  the sensitive-skin answer, which does not speak of A醇: "上面这条" made no sense);
- the subject's own FAQ entry, the part of its answer that speaks of what was asked (敏感肌能用吗, then 那A醇呢:
  敏感肌等皮肤不泛红不刺痛的时候再开始，先在耳后试用, from the retinol answer);
- when subject + question reads as nothing definite, the message is read on its own (包邮吗 → 那A醇呢: the retinol
  answer); when it reads only as the answer the question alone gets, the bot says plainly it is not sure about
  the subject (persona `faq.unsure_about`, else `fallback`): 孕妇能用吗 → 那面膜呢.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.engine.condition import CONDITION
from bot.engine.followup import FollowUp, answered_by, product_names
from bot.engine.memory import ASKED, recent
from bot.engine.quote import part_answering
from bot.engine.session import Session
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result, Understanding
from bot.understanding.naming import ProductNames


def elided(session: Session, understanding: Understanding, result: Result) -> FollowUp | None:
    subject = understanding.elided(result)  # 我怀孕了 (a statement answered), then 防晒呢: 我怀孕了, of 防晒
    asked = str(recent(session, ASKED, within=1) or recent(session, CONDITION, within=1) or "")
    if not subject or not asked or result.intents:  # 人呢 (nobody_here): the intent speaks, no question of 人
        return None
    names = product_names(understanding)
    asked = _in_place(understanding, names, asked, list(result.words))
    why = f"省略的问法：把“{asked}”换成问 {subject}"
    named = names.named(subject)
    if named is not None and (found := _of_product(understanding, named.product, asked, why)) is not None:
        return found
    products = {p.id: p for p in understanding.knowledge.products}  # answered by its own answers, not the FAQ:
    viewed = products.get(str(recent(session, "product", within=1) or "")) \
        if recent(session, "topic", within=1) is None else None  # 孕妇能用水杨酸吗 asked 孕妇能用吗 of it
    swapped = _swapped(understanding, names, asked, subject, list(result.words), viewed)
    if swapped is not None:  # 孕妇能用A醇吗 → 那敏感肌呢: A醇 for sensitive skin, not the sensitive-skin answer
        return swapped
    again = understanding.understand(subject + asked)
    topic = understanding.faq_by_id.get(str(recent(session, "topic", within=1) or ""))
    # the subject changed nothing: the question alone gets that answer (A醇敏感肌能用吗 is the sensitive-skin one)
    same = again.answers == understanding.understand(asked).answers \
        or (topic is not None and again.answers == [topic.id])
    for word in result.words:
        holder = names.only_holder(word)
        if holder is not None and (found := _of_product(understanding, holder, asked, why)) is not None:
            return found
    if topic is not None and again.answers == [topic.id] and topic.answer:
        part = part_answering(understanding, topic.answer, subject)
        if part is not None:
            return FollowUp(f"{why}：刚给的回答里说到了它", result=again, part=part, asked=asked)
    own = understanding.understand(subject)
    if again.decision is Decision.ANSWER and (not same or again.answers == own.answers):
        return FollowUp(f"{why}: {again.reason}", result=again, asked=asked)  # 你们有卖口红吗 → 那洗发水呢
    part = _own_part(understanding, own, asked)
    if part is not None:
        answered = Result(result.text, result.normalized, Decision.ANSWER, own.answers[:1], [], result.intents,
                          f"{subject} 自己的 FAQ {own.answers[0]}")
        return FollowUp(f"{why}：{own.answers[0]} 的回答里说到了“{asked}”", result=answered, part=part, asked=asked)
    if again.decision is not Decision.ANSWER:
        return None  # 包邮吗 → 那A醇呢: read on its own
    said = _as_typed(result.text, list(result.words)) or subject.lstrip("那么")
    return FollowUp(f"{why}：没有哪条回答讲到 {said} 的这件事，老实说不确定", unsure=said, asked=asked)


def _of_product(understanding: Understanding, product: Product, asked: str, why: str) -> FollowUp | None:
    """The product's own answer to the question just answered — as she asked it, else in the words the knowledge
    base read it by: 我老婆怀孕了 (read as 孕妇) → 那防晒呢 is the sunscreen's 孕妇能用吗, whatever else she said (老婆,
    三个月) that no phrasing of the product's holds."""
    found = answered_by(understanding, product, asked, why)
    if found is not None:
        return found
    reading = understanding.understand(asked)
    if reading.decision is not Decision.ANSWER or not reading.candidates:
        return None
    matched = reading.candidates[0].matched
    if not matched or matched == asked:
        return None
    found = answered_by(understanding, product, matched, f"{why}（她那句读作“{matched}”）")
    return replace(found, asked=asked) if found is not None else None


def _in_place(understanding: Understanding, names: ProductNames, asked: str, subject: list[str]) -> str:
    """The question just answered without its own subject, when the new one takes its place: 孕妇能用A醇吗 → 防晒呢
    asks 孕妇能用吗 of the sunscreen, not 防晒孕妇能用a醇吗 (which read as the retinol answer). A subject is a
    product: named, or by a word only one product's name holds. The question is kept whole when the new subject
    is no product (那敏感肌呢) or the old one is not said in it as typed."""
    if not any(names.only_holder(word) is not None for word in subject) and names.named("".join(subject)) is None:
        return asked
    named = names.named(asked)
    rest = named.rest if named is not None else asked
    for word in understanding.analyze(rest).words:
        if names.only_holder(word) is not None and word in rest:
            rest = rest.replace(word, "")
    return rest if rest and not understanding.analyze(rest).empty else asked


def _swapped(understanding: Understanding, names: ProductNames, asked: str, subject: str,
             words: list[str], viewed: Product | None) -> FollowUp | None:
    """孕妇能用A醇吗 → 那敏感肌呢: a subject that is no product takes the place of the one other thing the question
    named beside its product (孕妇): 敏感肌能用A醇吗 — the product carries, the condition changes. Answered by the
    entry that question reads as when its answer speaks of the subject (the retinol answer: 敏感肌等皮肤不泛红不刺痛的
    时候再开始…, said whole: a clause alone would not say it is about A醇); None when none does. The product may be
    the one whose own answer was just given (`viewed`: 孕妇能用水杨酸吗 was asked of the salicylic serum as 孕妇能用吗):
    its own answer for the subject (敏感肌能用吗), else the question read with its name."""
    if any(names.only_holder(word) is not None for word in words) or names.named("".join(words)) is not None:
        return None  # a product subject: _in_place
    said = understanding.analyze(asked).words
    carried = any(names.only_holder(word) is not None for word in said) or names.named(asked) is not None
    if not carried and viewed is None:
        return None  # 孕妇能用吗 → 那敏感肌呢: no product carries; the question is read whole with the subject
    others = [word for word in said if len(word) > 1 and names.only_holder(word) is None
              and word in understanding.analyze.known and word not in words]
    if len(others) != 1 or others[0] not in asked:
        return None
    rest = asked.replace(others[0], "")
    if not carried and viewed is not None:
        own = answered_by(understanding, viewed, "".join(words) + rest, f"“{asked}”里的 {others[0]} 换成 {subject}，问")
        if own is not None:
            return own
    again = understanding.understand(subject + (viewed.name if not carried and viewed is not None else "") + rest)
    entry = understanding.faq_by_id.get(again.answers[0]) if again.decision is Decision.ANSWER else None
    part = part_answering(understanding, entry.answer, "".join(words)) if entry is not None and entry.answer else None
    if part is None:
        return None
    why = f"省略的问法：“{asked}”里的 {others[0]} 换成 {subject}"
    return FollowUp(f"{why}：{again.reason}，回答里说到了它", result=again, asked=rest)


def _own_part(understanding: Understanding, own: Result, asked: str) -> str | None:
    """The part of the answer of the FAQ entry the subject alone is about (a醇 → ingredient_retinol) that speaks of
    what was asked (敏感肌)."""
    if own.decision is not Decision.ANSWER:
        return None
    entry = understanding.faq_by_id[own.answers[0]]
    return part_answering(understanding, entry.answer, asked) if entry.answer else None


def _as_typed(text: str, words: list[str]) -> str:
    """The subject as she typed it (A醇, not the normalised a醇)."""
    found = [re.search(re.escape(word), text, flags=re.IGNORECASE) for word in words if word]
    return "".join(match.group(0) for match in found if match is not None)
