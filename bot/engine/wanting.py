"""想要个精华, 学生党 预算不多 想要个精华, 想买个防晒, 想要个面霜: wanting a kind of product is asking for one, as
推荐个精华 is. One of the policy's `ask.with_kind` words (knowledge/policy.yaml; not negated: 不想要) beside a kind of
product she names (products.yaml: the end of a name, 精华 → the four serums; or a kind of `not_carried`, 面霜) gives
the message the ask's intent (the first of `ask.intents`: ask_recommendation), so the policy's flow starts on it and
chooses within that kind (engine/sales.py) — before, these read as nothing and got "没太接住" (QA round 10).
The policy's `ask.after_offer` intents (another: 还有吗, 还有别的吗) are an ask too within a few turns of an offer (the
context `recommended`): any other product? — the flow's offer state, or the flow started again after 多少钱.
想要个发票 names no kind of product, and a message the knowledge base answers is a question about the product, not
an ask (我想买的精华什么时候发货, 想要个面霜: our FAQ on what we do not sell): both are left as they are.
The other way round, an ask's keyword (用什么好, 用哪个好) around a topic one FAQ entry says whole — 卸妆用什么好,
晒后用什么好 — is a question about that topic, answered by the entry (which says honestly that we sell nothing for it),
not a survey towards a product (QA round 11, finding 2): unless the topic is her skin or a need the catalogue is
chosen by (油皮用什么好, 痘痘用什么好: the codebook's words), or a kind of product (防晒用什么好, 面霜用什么好: the
policy chooses, or says we do not sell it); 敷完面膜用什么好 asks more than the mask entry says (敷完): an ask."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.engine.followup import product_names
from bot.engine.memory import recent
from bot.engine.sales import not_carried
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses

_NEGATED = "(?<![不没别])"  # 不想要, 没想买, 别想要: no ask
_RELATIVE = "(?!的)"  # 我想买的精华: the one she wants, not a want


def as_ask(ctx: TurnContext, result: Result) -> Result:
    ask = ctx.content.policy.evidence.get("ask")
    if ask is None or not ask.intents or not result.normalized:
        return result
    if any(result.has_intent(name) for name in ask.intents):
        return as_question(ctx, result, ask.intents)
    offered = recent(ctx.session, "recommended") if ctx.session.flow != ctx.content.policy.flow else None
    another = next((name for name in ask.after_offer if result.has_intent(name)), "") if offered else ""
    if another:  # 还有吗 after a product link and 多少钱 (the offer's own state has its rule): any other product?
        return replace(result, decision=Decision.MISS, answers=[], intents=[(ask.intents[0], 100.0), *result.intents],
                       reason=f"{result.reason}；刚推荐过 {offered}，{another}：是在要别的款（{ask.intents[0]}）")
    if not ask.with_kind or result.decision is Decision.ANSWER:
        return result
    understanding = ctx.content.understanding
    said = result.normalized
    words = sorted((n for n in map(understanding.normalize, ask.with_kind) if n), key=len, reverse=True)
    word = next((w for w in words if re.search(_NEGATED + re.escape(w) + _RELATIVE, said)), "")
    if not word:
        return result
    kind = "、".join(p.name for p in product_names(understanding).kind_asked(said)) or not_carried(ctx, said) \
        or for_need(ctx, said, word)
    if not kind:
        return result
    return replace(result, intents=[(ask.intents[0], 100.0), *result.intents],
                   reason=f"{result.reason}；“{word}”加上一类商品（{kind}）：是在要推荐（{ask.intents[0]}）")


def for_need(ctx: TurnContext, said: str, word: str) -> str:
    """想要保湿的, 想买个祛痘的: a kind of product told by the need it meets (`<need>的`, a need the catalogue is
    chosen by: 保湿的 → 缺水), not by its name; the policy chooses within that need (想要便宜的 is none)."""
    found = re.search(re.escape(word) + r"(?:一个|一款|一瓶|个|款|点|些)?(\w{1,4}?的)", said)
    return found.group(1) if found and ctx.content.need.labels(found.group(1), needs_only=True) else ""


def as_question(ctx: TurnContext, result: Result, intents: list[str]) -> Result:
    """The message without its ask (卸妆用什么好 without 用什么好) is a topic the entry answering the whole message says
    every word of, and that topic is no skin, need (a word of a product's name: 控油) or kind of product: the ask's
    intent is dropped (see above). One clause only: 太贵了 有便宜点的吗 asks for a cheaper product beside a gripe."""
    understanding = ctx.content.understanding
    asked = [name for name in intents if result.has_intent(name)]
    if result.decision is not Decision.ANSWER or len(clauses(result.text)) > 1 or any(
            understanding.intents.like_example(result.normalized, name, understanding.thresholds.intent)
            for name in asked):
        return result  # 推荐一下, 有什么推荐: an ask, whatever the FAQ shares with it
    topic = understanding.intents.remainder(result.normalized, set(asked))
    reading = understanding.understand(topic) if topic else None
    if reading is None or reading.decision is not Decision.ANSWER or reading.answers != result.answers[:1] \
            or not reading.candidates or not set(reading.words) <= set(reading.candidates[0].evidence):
        return result
    need, names = ctx.content.need, [understanding.normalize(p.name) for p in understanding.knowledge.products]
    if need.labels(topic) or need.concerns(topic) or product_names(understanding).kind_asked(topic) \
            or not_carried(ctx, topic) or any(len(w) > 1 and w in name for w in reading.words for name in names):
        return result  # 油皮用什么好, 防晒用什么好, 面霜用什么好, 推荐一个控油的: what the policy chooses by, or lacks
    return replace(result, intents=[(name, score) for name, score in result.intents if name not in asked],
                   reason=f"{result.reason}；“{topic}”是这条 FAQ 整个说到的话题：是在问它，不是要推荐")
