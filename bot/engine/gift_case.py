"""外盒压扁了 里面没事 但我是要送人的啊: a gift word (the policy's ask intents: gift, ask_recommendation) said as the
reason her order's problem matters is no ask for a product. When the message as a whole is not answered and exactly one
of its other clauses, read alone, is answered by an entry about her order (a tag of the policy's `orders`: 售后,
订单, 物流 — damaged_item), that entry answers and the ask's intents are dropped, so the recommendation flow does not
start on it and no ask is counted as need (engread: it got 「给TA挑的话，先问一个」, a survey for a gift)."""

from __future__ import annotations

from dataclasses import replace

from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses


def as_her_order(ctx: TurnContext, result: Result) -> Result:
    ask = ctx.content.policy.evidence.get("ask")
    asked = [name for name in (ask.intents if ask is not None else []) if result.has_intent(name)]
    parts = clauses(result.text)
    if not asked or result.decision is Decision.ANSWER or len(parts) < 2:
        return result
    understanding, orders = ctx.content.understanding, set(ctx.content.policy.orders)
    found = {entry for reading in map(understanding.understand, parts)
             if reading.decision is Decision.ANSWER and not any(reading.has_intent(name) for name in asked)
             for entry in reading.answers if set(understanding.faq_by_id[entry].tags) & orders}
    if len(found) != 1:
        return result
    entry = found.pop()
    return replace(result, decision=Decision.ANSWER, answers=[entry], near_miss=False, suggestion="",
                   intents=[(name, score) for name, score in result.intents if name not in asked],
                   reason=f"{result.reason}；{'、'.join(asked)} 说的是她订单的事（{entry}）为什么要紧，不是要推荐")
