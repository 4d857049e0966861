"""Her skin reacted to a product (用过你们的水杨酸 刺激, 那个精华我用了刺痛): a statement with one of the policy's
`disliked.used` words and a word of one of its `reactions` (knowledge/policy.yaml) is answered by that reaction's
FAQ entry (stop using it, after-sales takes over), never by the entry its other words match — 水杨酸 would answer
"算温和的", a claim that the product is gentle, to a customer whose skin it hurt. A question (用了会过敏吗 asks before
buying) and another brand's product (别家的A醇 刺激) are left as they are — but a question whose other clauses tell
the reaction (我用了两天水杨酸 有点刺痛 还能继续用吗: two clauses that tell, one that asks) is that reaction, answered
once by its entry, not by the ingredient's "算温和的" and then the allergy answer (QA round 10). The product is still
recorded as disliked (engine/sales.py).

Her product need not be named when she has one of ours in hand — an order on record, or the product in view of
this conversation (QA round 13: after a purchase, 用了三天下巴脱皮了 got the dry-skin comfort and a 干皮 tag):
that product's name counts for a reaction's `with` words (the retinol serum: its own answer), and a reaction
marked `held` counts (peeling after using what she bought: stop, and after-sales takes over)."""

from __future__ import annotations

from dataclasses import replace

from bot.engine.followup import product_names
from bot.engine.memory import recent
from bot.engine.sales import ASKED_STAGE
from bot.engine.turn_context import TurnContext
from bot.policy.choose import situation
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses

ASKING_LEAST = 3  # characters of the asking end of a one-clause question (还能用吗, 怎么办; 吗 alone asks nothing new)


def as_reaction(ctx: TurnContext, result: Result) -> Result:
    if not result.normalized:
        return result
    understanding = ctx.content.understanding
    parts = clauses(result.text)
    asked: list[str] = []  # what the clauses that ask ask, answered beside the reaction (用了过敏了 能退吗)
    if result.question:  # only what the clauses that do not ask tell: 用了会过敏吗 tells nothing
        told = [part for part in parts if not understanding.asks(part)] if len(parts) > 1 \
            else _told_before_asking(ctx, result.normalized)
        if not told:
            return result
        rest = [part for part in parts if part not in told] if len(parts) > 1 else [result.normalized[len(told[0]):]]
        asked = [entry for part in rest if (reading := understanding.understand(part)).decision is Decision.ANSWER
                 for entry in reading.answers]
        pieces = [understanding.normalize(part) for part in told]
    else:
        pieces = [result.normalized, *(understanding.normalize(part) for part in parts)]
    hand = held(ctx, result)
    if result.question and hand and _answers_itself(ctx, hand, result):
        hand = None  # 用了三天下巴脱皮了 正常吗 of the serum she bought: its own answer speaks (engine/hers.py)
    named = product_names(understanding).one_named(result.heard, result.words)
    if result.question and named and understanding.product_answer(named.id, result.normalized) is not None:
        return result  # 用了A醇脸上脱皮 正常吗: the night serum's own answer on peeling, not how to start retinol
    found = ctx.content.need.disliked.reaction(pieces, hand, times(ctx))
    if found is None or found[1] not in understanding.faq_by_id or result.answers == [found[1]] \
            or any(result.has_intent(f.intent) for f in understanding.faq_by_id[found[1]].follows):
        return result  # 孕妇用了A醇怎么办: the entry already follows its intent (unaware_pregnant), as before
    said, entry = found
    answers = list(dict.fromkeys([entry, *asked]))
    return replace(result, decision=Decision.ANSWER, answers=answers, near_miss=False, suggestion="",
                   reason=f"{result.reason}；她说用了有反应（{said}）：按 {entry} 回答，不按说到的成分回答")


def _told_before_asking(ctx: TurnContext, normalized: str) -> list[str]:
    """我用了两天水杨酸有点刺痛还能继续用吗, typed as one clause: the longest beginning that asks nothing, when what
    follows (three characters or more: 还能继续用吗, 怎么办) asks by itself — [] when the words of a reaction are not
    all in the message, or no such beginning holds them (用了会刺痛吗: 刺痛 is in what she asks)."""
    if ctx.content.need.disliked.reaction([normalized], during=times(ctx)) is None:
        return []
    asks = ctx.content.understanding.asks
    for cut in range(len(normalized) - ASKING_LEAST, 1, -1):
        told, asked = normalized[:cut], normalized[cut:]
        if asks(asked) and not asks(told):
            return [told]
    return []


def times(ctx: TurnContext) -> set[str]:
    """Her special times (孕期): said as hers (the profile), or asked about in this conversation (孕妇能用吗: she may
    well be asking for herself)."""
    asked = recent(ctx.session, ASKED_STAGE) or ()
    return situation(ctx.content.codebook, ctx.profile) | {str(label) for label in asked}


def held(ctx: TurnContext, result: Result) -> str | None:
    """The normalised name of the product of ours she has in hand — the product in view, else the last one bought —
    when her message names none; "" when she bought something whose product the order did not say; None when she
    has nothing of ours in hand, or names a product herself (what she names is what she used)."""
    understanding = ctx.content.understanding
    names = product_names(understanding)
    if names.named(result.normalized) is not None or names.named(result.heard) is not None:
        return None
    item = ctx.session.context.get("product")
    ids = [str(item.get("value"))] if isinstance(item, dict) else []
    ids += [str(pid) for pid, *_ in reversed(ctx.profile.purchases) if pid]
    if not ids and not ctx.profile.purchases:
        return None
    products = {p.id: p for p in understanding.knowledge.products}
    return next((understanding.normalize(products[pid].name) for pid in ids if pid in products), "")


def _answers_itself(ctx: TurnContext, name: str, result: Result) -> bool:
    """Whether the product of that (normalised) name has an answer of its own to the question (脱皮正常吗)."""
    understanding = ctx.content.understanding
    product = next((p for p in understanding.knowledge.products if understanding.normalize(p.name) == name), None)
    return product is not None and understanding.product_answer(product.id, result.normalized) is not None
