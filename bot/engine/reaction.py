"""Her skin reacted to a product (用过你们的水杨酸 刺激, 那个精华我用了刺痛): a statement with one of the policy's
`disliked.used` words and a word of one of its `reactions` (knowledge/policy.yaml) is answered by that reaction's
FAQ entry (stop using it, after-sales takes over), never by the entry its other words match — 水杨酸 would answer
"算温和的", a claim that the product is gentle, to a customer whose skin it hurt. A question (用了会过敏吗 asks before
buying) and another brand's product (别家的A醇 刺激) are left as they are — but a question whose other clauses tell
the reaction (我用了两天水杨酸 有点刺痛 还能继续用吗: two clauses that tell, one that asks) is that reaction, answered
once by its entry, not by the ingredient's "算温和的" and then the allergy answer (QA round 10). The product is still
recorded as disliked (engine/sales.py)."""

from __future__ import annotations

from dataclasses import replace

from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses


def as_reaction(ctx: TurnContext, result: Result) -> Result:
    if not result.normalized:
        return result
    understanding = ctx.content.understanding
    parts = clauses(result.text)
    if result.question:  # only what the clauses that do not ask tell: 用了会过敏吗 tells nothing
        parts = [part for part in parts if not understanding.asks(part)] if len(parts) > 1 else []
        if not parts:
            return result
        pieces = [understanding.normalize(part) for part in parts]
    else:
        pieces = [result.normalized, *(understanding.normalize(part) for part in parts)]
    found = ctx.content.need.disliked.reaction(pieces)
    if found is None or found[1] not in understanding.faq_by_id or result.answers == [found[1]]:
        return result
    said, entry = found
    return replace(result, decision=Decision.ANSWER, answers=[entry], near_miss=False, suggestion="",
                   reason=f"{result.reason}；她说用了有反应（{said}）：按 {entry} 回答，不按说到的成分回答")
