"""What the conversation is about, for short follow-ups: 怎么用 / 好用吗 / 多少钱 / 孕妇能用吗.

What it is about is the conversation's short-term memory (engine/memory.py: the product in view, the topic last
answered, the numbered choice offered).
A short message within RECENT turns of a recommendation is first looked up among that product's own
answers (knowledge/products.yaml `answers`); one the knowledge base cannot answer by itself is read
again with the product's name, or the last topic's keyword, in front of it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from weakref import WeakKeyDictionary

from bot.engine.memory import later, recent
from bot.engine.quote import case_answering
from bot.engine.session import Session
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result, Understanding
from bot.understanding.naming import ProductNames
from bot.understanding.normalize import clauses
from bot.understanding.topic import topic_word

_NAMES: WeakKeyDictionary[Understanding, ProductNames] = WeakKeyDictionary()  # one per content version

SHORT = 10  # characters (normalised): a longer message says itself what it is about
SOCIAL = ("greeting", "thanks", "affirm", "deny", "cold")
WHAT_MEANT = "what_meant"  # 啥意思 (optional intent): she did not follow what was said; no question of the topic
POINTING = ("那个", "这个", "那款", "这款", "刚才", "你说的", "推荐的")


@dataclass(frozen=True)
class FollowUp:
    why: str
    product: Product | None = None  # answered from the product's own answers …
    number: int = 0
    result: Result | None = None  # … or an FAQ read with the context in front
    about: bool = False  # the product named and nothing asked: what it is (persona `product.about`)
    steps: tuple[int | str, ...] = ()  # several questions about the product named: its answers (numbers) and
    # FAQ entries (ids) for the ones it has no answer to, in the order asked
    asked: str = ""  # what was asked (of a product: its name left out), for 那A醇呢 next
    part: str = ""  # the part of the answer just given that answers it (engine/quote.py)
    unsure: str = ""  # 那A醇呢 that nothing answers about A醇: said plainly (persona `faq.unsure_about`)
    which: tuple[Product, ...] = ()  # a name they share (修护精华): which one? (engine/which.py)
    each: tuple[tuple[Product, tuple[int | str, ...]], ...] = ()  # … or her questions answered for each of them
    missed: tuple[str, ...] = ()  # … the questions nothing answers about them: said plainly, not dropped
    instead_of: str = ""  # the FAQ entry answered earlier in this turn that this answer replaces (its `follows`)


def follow_up(session: Session, understanding: Understanding, result: Result) -> FollowUp | None:
    if not result.normalized:
        return None
    follows = _follows(session, understanding, result)
    if follows is not None:
        return follows
    from bot.engine import held, which  # these build on this module's FollowUp (modules of their own: ≤ ~300 lines)
    from bot.engine.condition import about_condition
    from bot.engine.elided import elided

    again = elided(session, understanding, result) or about_condition(session, understanding, result)
    if again is not None:  # 那A醇呢 asks the question just answered again; 正常吗 asks about what she just said
        return again
    names = product_names(understanding)  # 防嗮霜 read as 防晒, 保时水 as 保湿水: names what she meant
    named = names.named(result.normalized) or (names.named(result.heard) if result.heard != result.normalized
                                               else None)
    if named is not None:  # 舒缓修护精华多少钱; or 多少钱 → (which one?) → 舒缓修护精华
        several = _each_question(understanding, named.product, result) if result.question else None
        if several is not None:
            return several
        own = named.rest if result.question else ""
        for asked in (own, str(recent(session, "open_question", within=1) or "")):
            found = answered_by(understanding, named.product, asked, "点名问") if asked else None
            if found is not None:
                return found
        if not own and (not named.rest or understanding.analyze(named.rest).empty):
            return FollowUp(f"只说了商品 {named.product.id} 的名字：说 product.about", product=named.product,
                            about=True)
    viewed = str(recent(session, "product") or "")
    pointed = any(word in result.heard for word in POINTING)  # 那个精华: the one just discussed
    kind = names.kind_asked(result.heard) if named is None and viewed and result.question and pointed else []
    holder = next((p for p in kind if p.id == viewed), None) if len(kind) > 1 else None
    end = next((holder.name[n:] for n in range(len(holder.name) - 1) if holder.name[n:] in result.heard), "") \
        if holder is not None else ""
    found = answered_by(understanding, holder, result.heard.replace(end, ""), "说的是刚聊的那一款") \
        if holder is not None and end else None
    if found is not None:  # 那个精华多少钱 right after the salicylic serum: that serum, not "which one?"
        return found
    shared = which.ambiguous(understanding, result) if named is None else None
    if shared is not None:  # 修护精华孕妇能用吗 多少钱 会不会刺激: which one? her questions kept
        return shared
    if (own_answer := held.held_answer(understanding, result) if named is None and result.question else None):
        return own_answer  # 防晒孕妇能用吗: the sunscreen's own answer, even right after the toner
    in_view = later(session, "product", "topic")  # 多少钱 right after a recommendation: that product's
    if named is None and result.has_intent("ask_price"):  # 防晒多少钱: prices are the products', one is a 防晒
        topic = str(recent(session, "topic") or "")
        words = result.words or ((topic_word(understanding, topic),)
                                 if topic in understanding.faq_by_id and not in_view else ())
        for word in words:  # 多少钱 right after the sunscreen answer: the price of the one 防晒
            holder = product_names(understanding).only_holder(word)
            each = _each_question(understanding, holder, result, word) if holder is not None else None
            if each is not None:  # 防晒多少钱 孕妇能用吗: the price and the pregnancy answer, not the second alone
                return each
            asked = result.heard.replace(word, "")
            found = answered_by(understanding, holder, asked, "问的是名字里有这个词的那一款的价格") \
                if holder is not None else None
            if found is not None:
                return found
        if pointed and viewed:  # 这个学生党用得起吗 right after the lotion was offered: its price (QA round 16)
            found = _price_of(understanding, {p.id: p for p in understanding.knowledge.products}.get(viewed))
            if found is not None:
                return found
    case = _case(session, understanding, result)
    if case is not None:
        return case
    if len(result.normalized) > SHORT or not result.question:
        return None  # a follow-up asks something, briefly; a longer message says itself what it is about
    if not result.words and any(result.has_intent(name) for name in SOCIAL):
        return None  # 在吗, 好吗: a social reply, not a question about the product
    products = {p.id: p for p in understanding.knowledge.products}
    product = products.get(str(recent(session, "product") or ""))
    if product is not None:
        found = answered_by(understanding, product, result.text, "追问")
        if found is not None:
            return found
    if result.decision is Decision.ANSWER:
        return None
    if (not result.words and result.intents) or result.has_intent(WHAT_MEANT):
        return None  # 你们怎么回事 (angry), 啥意思 after an answer: the intent speaks, not the topic's answer again
    anchors: list[tuple[str, str, str]] = []
    if product is not None:
        anchors.append((product.name, f"商品 {product.id}", ""))
    entry = understanding.faq_by_id.get(str(recent(session, "topic") or ""))
    if entry is not None:
        anchors.append((topic_word(understanding, entry.id), f"话题 {entry.id}", entry.id))
    for anchor, about, answered in anchors:
        combined = understanding.understand(anchor + result.normalized)
        if combined.decision is not Decision.ANSWER:
            continue
        if combined.answers == [answered] and not _adds_to(understanding, answered, result):
            continue  # 敏感肌 → 多少钱: only the topic's own answer again, which does not answer it
        return FollowUp(f"带上{about}再读一次：{combined.reason}", result=combined)
    return None


def _each_question(understanding: Understanding, product: Product, result: Result, word: str = "") -> FollowUp | None:
    """你们的舒缓精华会不会刺激 孕妇可以用吗 多少钱: every clause answered, by the product's own answer where it
    has one (its price, whether it suits pregnancy), else by the FAQ; None unless two or more are answered
    and one of them by the product."""
    names = product_names(understanding)
    steps: list[int | str] = []
    for part in clauses(result.text):
        normalized = understanding.normalize(part)
        named = names.named(normalized)
        asked = named.rest if named is not None and named.product.id == product.id \
            else normalized.replace(word, "") if word else normalized  # 防晒多少钱: 防晒 names the one sunscreen
        found = understanding.product_answer(product.id, asked) if asked else None
        if found is not None:
            step: int | str = found[0]
        else:
            reading = understanding.understand(asked) if asked else None
            if reading is None or reading.decision is not Decision.ANSWER:
                continue
            step = reading.answers[0]
        if step not in steps:
            steps.append(step)
    if len(steps) < 2 or not any(isinstance(step, int) for step in steps):
        return None
    return FollowUp(f"点名问 {product.id} 的 {len(steps)} 个问题：每个都回答", product=product,
                    steps=tuple(steps))


def _case(session: Session, understanding: Understanding, result: Result) -> FollowUp | None:
    """刚下的 还没发货 right after 没发货前可以…；已经发货的话…: she says which case of that answer is hers."""
    topic = understanding.faq_by_id.get(str(recent(session, "topic", within=1) or ""))
    if result.question or topic is None or not topic.answer:
        return None
    part = case_answering(understanding, topic.answer, result.heard)
    if part is None:
        return None
    again = Result(result.text, result.normalized, Decision.ANSWER, [topic.id], [], result.intents, "她的情况")
    return FollowUp(f"她说的是 {topic.id} 里的哪一种情况", result=again, part=part)


def _follows(session: Session, understanding: Understanding, result: Result) -> FollowUp | None:
    """都五天了 right after 怎么还没到: the entry that `follows` the topic just answered with this intent (or that
    follows the intent at any time: 到现在都没到; knowledge/faq.yaml `follows`), when the FAQ does not answer the
    message by itself — or answers it only with the topic just answered or another of the `after` entries: 都一个
    星期了还没到 after the shipping answer is the same complaint again: the apology and a person, not 上面回过你啦.
    The intent said in the same message as an `alongside` question (我的快递怎么还没到 都一个礼拜了) is it at once.
    A topic answered earlier in this very turn (a burst) is replaced: `instead_of` (QA round 14, finding 10)."""
    topic = recent(session, "topic")
    for entry in understanding.knowledge.faq:
        if recent(session, "topic", within=0) == entry.id:
            continue  # 上次买的精华到现在都没到 + 你们到底发没发: one apology in a turn
        for follows in entry.follows:
            again = follows.after and topic in follows.after and set(result.answers) <= {topic, *follows.after}
            instead = follows.over and set(result.answers) <= set(follows.over)  # 都一个星期了还没到: not 查看物流
            alongside = (follows.alongside and result.decision is Decision.ANSWER
                         and set(result.answers) <= set(follows.alongside))  # 怎么还没到 都一个礼拜了
            if result.decision is Decision.ANSWER and not (again or instead or alongside):
                continue  # the FAQ answers it by itself, and not only with what was just answered
            if result.has_intent(follows.intent) and (not follows.after or topic in follows.after or alongside):
                answered = replace(result, decision=Decision.ANSWER, answers=[entry.id])
                after = f"，紧跟在 {topic} 之后" if follows.after else ""
                this_turn = str(topic) if follows.after and recent(session, "topic", within=0) == topic else ""
                return FollowUp(f"意图 {follows.intent}{after}：回答 {entry.id}（follows）", result=answered,
                                instead_of=this_turn)
    return None


def answered_by(understanding: Understanding, product: Product, asked: str, how: str) -> FollowUp | None:
    """The product's own answer (knowledge/products.yaml `answers`) to what was asked, if it has one."""
    found = understanding.product_answer(product.id, asked)
    if found is None:
        return None
    number, scored = found
    return FollowUp(f"{how} {product.id}：用它的第 {number} 条 answers（{scored.score:.0f} 分）", product=product,
                    number=number, asked=asked)


def _price_of(understanding: Understanding, product: Product | None) -> FollowUp | None:
    """The product's own price answer: the first of its `answers` asked as a price question (多少钱)."""
    for number, own in enumerate(product.answers if product is not None else ()):
        if product is not None and any(understanding.understand(q).has_intent("ask_price") for q in own.questions):
            return FollowUp(f"问价，说的是刚聊的那一款 {product.id}：用它的第 {number} 条 answers", product=product,
                            number=number)
    return None


def mentioned(understanding: Understanding, session: Session, text: str) -> list[Product]:
    """The products an answer of the bot's names by their whole names. One it names only by a piece that ends its
    name (细纹可以用含A醇的夜间修护精华) is not taken as in view — but the product in view before, when it is another,
    is forgotten: 多少钱 next asks which one, not the price of 舒缓修护精华 two answers back (QA round 17)."""
    products = understanding.knowledge.products
    whole = [p for p in products if p.name and p.name in text]
    named = None if whole else product_names(understanding).named(understanding.normalize(text), by_word=False)
    if named is not None:
        name = understanding.normalize(named.product.name)
        item = session.context.get("product")
        if (any(len(piece) > 2 and name.endswith(piece) for piece in named.said) and isinstance(item, dict)
                and item.get("value") != named.product.id):
            del session.context["product"]
    return whole


def product_names(understanding: Understanding) -> ProductNames:
    names = _NAMES.get(understanding)
    if names is None:
        names = _NAMES[understanding] = ProductNames(understanding.knowledge.products, understanding.normalize)
    return names


def _adds_to(understanding: Understanding, entry_id: str, result: Result) -> bool:
    """Whether the entry speaks of what a follow-up asks: its answer says one of the follow-up's words, or one
    of its questions asks the same thing — the same kind of question (if the follow-up asks one) about one of
    the follow-up's words that the knowledge base knows (敏感肌能用吗 for 能用吗; 怎么辨别真假 for 怎么证明, whose
    证明 the base never uses, so the kind decides; 毛孔粗大怎么办 for 有什么办法). A known word asked another way
    is something else: 油皮用什么 asks what to use, not 怎么用."""
    entry = understanding.faq_by_id[entry_id]
    answer = understanding.normalize(entry.answer or "")
    if answer and any(word in answer for word in result.words):
        return True
    known = {word for word in result.words if word in understanding.analyze.known}
    for question in entry.questions:
        asked = understanding.analyze(understanding.normalize(question))
        if result.kinds and not result.kinds & asked.kinds:
            continue
        if not known or known & set(asked.words):
            return True
    return False

