"""想要个精华, 学生党 预算不多 想要个精华, 想买个防晒, 想要个面霜: wanting a kind of product is asking for one, as
推荐个精华 is. One of the policy's `ask.with_kind` words (knowledge/policy.yaml; not negated: 不想要) beside a kind of
product she names (products.yaml: the end of a name, 精华 → the four serums; or a kind of `not_carried`, 面霜) gives
the message the ask's intent (the first of `ask.intents`: ask_recommendation), so the policy's flow starts on it and
chooses within that kind (engine/sales.py) — before, these read as nothing and got "没太接住" (QA round 10).
The policy's `ask.after_offer` intents (another: 还有吗, 还有别的吗) are an ask too within a few turns of an offer (the
context `recommended`): any other product? — the flow's offer state, or the flow started again after 多少钱.
想要个发票 names no kind of product, and a message the knowledge base answers is a question about the product, not
an ask (我想买的精华什么时候发货, 想要个面霜: our FAQ on what we do not sell): both are left as they are."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.engine.followup import product_names, recent
from bot.engine.sales import not_carried
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result

_NEGATED = "(?<![不没别])"  # 不想要, 没想买, 别想要: no ask
_RELATIVE = "(?!的)"  # 我想买的精华: the one she wants, not a want


def as_ask(ctx: TurnContext, result: Result) -> Result:
    ask = ctx.content.policy.evidence.get("ask")
    if ask is None or not ask.intents or not result.normalized \
            or any(result.has_intent(name) for name in ask.intents):
        return result
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
    kind = "、".join(p.name for p in product_names(understanding).kind_asked(said)) or not_carried(ctx, said)
    if not kind:
        return result
    return replace(result, intents=[(ask.intents[0], 100.0), *result.intents],
                   reason=f"{result.reason}；“{word}”加上一类商品（{kind}）：是在要推荐（{ask.intents[0]}）")
