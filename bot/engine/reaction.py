"""Her skin reacted to a product (用过你们的水杨酸 刺激, 那个精华我用了刺痛): a statement with one of the policy's
`disliked.used` words and a word of one of its `reactions` (knowledge/policy.yaml) is answered by that reaction's
FAQ entry (stop using it, after-sales takes over), never by the entry its other words match — 水杨酸 would answer
"算温和的", a claim that the product is gentle, to a customer whose skin it hurt. A question (用了会过敏吗 asks before
buying) and another brand's product (别家的A醇 刺激) are left as they are. The product is still recorded as disliked
(engine/sales.py)."""

from __future__ import annotations

from dataclasses import replace

from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses


def as_reaction(ctx: TurnContext, result: Result) -> Result:
    if result.question or not result.normalized:
        return result
    normalize = ctx.content.understanding.normalize
    pieces = [result.normalized, *(normalize(part) for part in clauses(result.text))]
    found = ctx.content.need.disliked.reaction(pieces)
    if found is None or found[1] not in ctx.content.understanding.faq_by_id or result.answers == [found[1]]:
        return result
    said, entry = found
    return replace(result, decision=Decision.ANSWER, answers=[entry], near_miss=False, suggestion="",
                   reason=f"{result.reason}；她说用了有反应（{said}）：按 {entry} 回答，不按说到的成分回答")
