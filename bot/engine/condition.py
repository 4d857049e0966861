"""正常吗 / 要紧吗 / 还能用吗 right after an answer: a short question with no topic of its own asks about what she
said just before. 用了A醇脸上脱皮 was answered; 正常吗 is 用了A醇脸上脱皮正常吗, not 正常吗 on its own (which leant to
the allergy answer, and 严重吗 to the oily-skin one).

Her message the last answer answered, as read (a question or a statement: the condition she is in), is kept in
the conversation's short-term memory (`CONDITION`, beside the product and the topic: engine/memory.py). A short
question (followup.SHORT) right after it (the turn before, or an earlier piece of the same burst) that names
nothing the knowledge base talks about (no FAQ keyword, product name or what a product fits, no word only one
product's name holds), has no intent of its own and is no 那XX呢 (engine/elided.py) is read with it in front:

- first by a product that message names (a醇 → the night serum) or the product in view: its own answer, when
  what she asks now is in the phrasing it matched (脱皮正常吗 for 正常吗);
- then by the FAQ, on the same condition: the entry answers what she asks now, not only what she said before —
  or, when the knowledge base knows none of her words (要紧), the entry just answered is what it reads as again
  (刷酸后爆痘 → 要紧吗: the answer is above, tell me more — not "not sure").

Unless the answer just given already speaks of what she asks now (有A醇吗 → 白天能用吗: 白天一定要防晒;
刚开始用精华就冒闭口 → 正常吗: 多半是皮肤在适应、是正常的): then that part is quoted (persona `faq.quote`,
engine/quote.py) — before, this was left to the topic's reading, which 痘痘正常吗 did not reach (the fallback), or
which found the entry just answered and pointed back up (「上面回过你啦」).

An intent that an FAQ entry follows only `after` another (还能继续用吗, keep_using) names no topic either: when no
entry follows it here (the follows go first, engine/followup.py), it is read with her condition in front too.

Nothing found: None, and the follow-up is read as before (the product's or topic's keyword in front, or alone).
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from bot.engine.followup import SHORT, FollowUp, product_names
from bot.engine.memory import recent, remember
from bot.engine.quote import part_answering
from bot.engine.session import Session
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result, Understanding
from bot.understanding.names import topic_words

TOLD = "faq.told"  # the persona key (optional): what she told right after an answer continues it, noted
CONDITION = "condition"  # context: her message the last answer answered, as read (question or statement)

_TOPICS: WeakKeyDictionary[Understanding, tuple[str, ...]] = WeakKeyDictionary()
_AFTER: WeakKeyDictionary[Understanding, frozenset[str]] = WeakKeyDictionary()


def keep(session: Session, result: Result) -> None:
    """Her message was answered: what a short follow-up after it is about."""
    if result.heard:
        remember(session, CONDITION, result.heard)


def about_condition(session: Session, understanding: Understanding, result: Result) -> FollowUp | None:
    before = str(recent(session, CONDITION, within=1) or "")
    if not before or before == result.heard or not elliptical(understanding, result):
        return None
    topic = understanding.faq_by_id.get(str(recent(session, "topic", within=1) or ""))
    if topic is not None and topic.answer and part_answering(understanding, topic.answer, result.normalized):
        quoted = Result(result.text, result.normalized, Decision.ANSWER, [topic.id], [], result.intents, "刚说过")
        return FollowUp(f"简短追问没说自己的话题，接着她上一句“{before}”：刚回答的 {topic.id} 就说到了，引出那几句",
                        result=quoted)  # 「…多半是皮肤在适应、是正常的」, not 上面回过你啦
    combined = before + result.normalized
    why = f"简短追问没说自己的话题：接着她上一句“{before}”读成“{combined}”"
    for product in _products(session, understanding, before):
        found = understanding.product_answer(product.id, combined)
        if found is not None and _asked_now(understanding, result, found[1].evidence, found[1].matched):
            return FollowUp(f"{why}：用 {product.id} 的第 {found[0]} 条 answers（{found[1].score:.0f} 分）",
                            product=product, number=found[0])
    reading = understanding.understand(combined)
    best = reading.candidates[0] if reading.decision is Decision.ANSWER and reading.candidates else None
    said = set(understanding.analyze(before).words)
    if best is not None and said & set(best.evidence) and _asked_now(understanding, result, best.evidence,
                                                                       best.matched):
        return FollowUp(f"{why}：{reading.reason}", result=reading)  # on both: what she said and what she asks
    unknown = not any(word in understanding.analyze.known for word in result.words)
    if best is not None and unknown and topic is not None and reading.answers == [topic.id]:
        return FollowUp(f"{why}：她问的词知识库不认识，还是刚回答的 {topic.id}", result=reading)  # 刷酸后爆痘 → 要紧吗
    return None


def told_more(ctx: TurnContext, result: Result) -> bool:
    """`continued`: the persona's `faq.told` says it is noted (the answer above holds), not another answer."""
    need, before = ctx.content.need, str(recent(ctx.session, CONDITION, within=1) or "")
    if need.labels(result.normalized) or not need.labels(before):
        return False  # 我皮肤好干 tells a need of its own (缺水); after 能发顺丰吗 she told nothing to continue
    topic = continued(ctx.session, ctx.content.understanding, result)
    if topic is None or not ctx.persona.has(TOLD):
        return False
    ctx.why.append(f"她接着上一句补充情况（连起来还是 {topic}），不是在问 {'、'.join(result.answers)}：说 {TOLD}")
    ctx.say(TOLD)
    remember(ctx.session, CONDITION, str(recent(ctx.session, CONDITION, within=1)) + result.normalized)
    remember(ctx.session, "topic", topic)  # 我怀孕了 → 四个月了 → 三个月的时候用过a醇: still about it
    return True


def continued(session: Session, understanding: Understanding, result: Result) -> str | None:
    """四个月了 right after 我怀孕了 was answered (pregnancy_safe): a short statement that names no topic of its own
    tells more about what she just told of herself — how far along she is — and asks nothing, though an entry
    shares a word with it (月: bottle_lasts). Read with her message before in front (我怀孕了四个月了), it is
    the entry just answered, and her own reading is another one: that entry's id (she hears it noted, not the
    other answer).
    None when it does not hold (脸好干 names a topic: the dry-skin answer)."""
    before = str(recent(session, CONDITION, within=1) or "")
    topic = str(recent(session, "topic", within=1) or "")
    if result.question or not before or not topic or before == result.heard or result.decision is not Decision.ANSWER \
            or topic in result.answers or not _names_nothing(understanding, result):
        return None
    reading = understanding.understand(before + result.normalized)
    return topic if reading.decision is Decision.ANSWER and reading.answers == [topic] else None


def elliptical(understanding: Understanding, result: Result) -> bool:
    """A short question that names no topic of its own: 正常吗, 要紧吗, 还能用吗 (not 包邮吗, 防晒呢, 多少钱)."""
    return result.question and _names_nothing(understanding, result)


def _names_nothing(understanding: Understanding, result: Result) -> bool:
    """A short message that names no topic, product or intent of its own (a question, or a statement: 四个月了)."""
    if len(result.normalized) > SHORT or understanding.elided(result):
        return False
    if not all(name in _after_intents(understanding) for name, _ in result.intents):
        return False  # 多少钱, 在吗: an intent of its own speaks
    if not result.words and not result.kinds:
        return False
    names = product_names(understanding)
    if any(names.only_holder(word) is not None for word in result.words) or names.named(result.normalized):
        return False
    return not any(topic in result.normalized for topic in _topics(understanding))


def _after_intents(understanding: Understanding) -> frozenset[str]:
    """Intents that ask about what was just said: an FAQ entry `follows` them `after` another (还能继续用吗, intent
    keep_using: after the allergy answer it is reaction_keep_using). Where no entry follows, the condition before
    tells what it is about (用了A醇脸上脱皮 → 还能继续用吗: the night serum's answer on peeling)."""
    found = _AFTER.get(understanding)
    if found is None:
        found = _AFTER[understanding] = frozenset(f.intent for entry in understanding.knowledge.faq
                                                  for f in entry.follows if f.after)
    return found


def _topics(understanding: Understanding) -> tuple[str, ...]:
    topics = _TOPICS.get(understanding)
    if topics is None:
        topics = _TOPICS[understanding] = tuple(topic_words(understanding.knowledge, (), understanding.normalize))
    return topics


def _products(session: Session, understanding: Understanding, before: str) -> list[Product]:
    """The products her message before names (in full, or by a word only one product's name holds), then the one
    in view."""
    names = product_names(understanding)
    found: list[Product] = []
    named = names.named(before)
    if named is not None:
        found.append(named.product)
    for word in understanding.analyze(before).words:
        holder = names.only_holder(word)
        if holder is not None and holder not in found:
            found.append(holder)
    viewed = {p.id: p for p in understanding.knowledge.products}.get(str(recent(session, "product") or ""))
    if viewed is not None and viewed not in found:
        found.append(viewed)
    return found


def _asked_now(understanding: Understanding, result: Result, evidence: tuple[str, ...], matched: str) -> bool:
    """What matched speaks of what she asks now, not only of what she said before: a word of hers is among the
    words it matched on, or (a question of nothing but its kind: 怎么办) the phrasing asks that kind."""
    if result.words:
        return any(word in evidence for word in result.words)
    return bool(result.kinds) and result.kinds <= understanding.analyze(understanding.normalize(matched)).kinds
