"""Skin told in the customer's own words (脸油得能炒菜, 脸有点干, 我老婆说我脸太油): a message the knowledge base
cannot answer as written, that mentions an option of the survey codebook (its `mentions`: 脸油 → 油皮, typos
read: 敏敢肌 → 敏感肌), is answered as the option's name would be (油皮 → the oily-skin answer). The codebook
already knows these phrasings for the profile; this lets the answer use them too. A message the knowledge base
answers, or that mentions a concern (起皮 → 缺水, 爆痘 → 痘痘: a complaint, met with care by engine/care.py, and
the policy decides about products), is left as it is."""

from __future__ import annotations

from dataclasses import replace

from bot.engine import delivered, have, urgent
from bot.engine.gift_case import as_her_order
from bot.engine.reaction import as_reaction
from bot.engine.turn_context import TurnContext
from bot.engine.wanting import as_ask
from bot.understanding.matcher import Decision, Result


def as_told(ctx: TurnContext, result: Result) -> Result:
    """`result` as told: wanting a kind of product is an ask (engine/wanting.py), a reaction to a product
    (engine/reaction.py) comes first — unless it is an emergency (engine/urgent.py) — then skin in her own words."""
    result = as_ask(ctx, have.as_named(ctx, result))
    result = urgent.as_urgent(ctx, delivered.as_told(ctx, as_reaction(ctx, as_her_order(ctx, result))))
    if result.decision is not Decision.MISS or not result.normalized:
        return result
    need, understanding = ctx.content.need, ctx.content.understanding
    if need.concerns(result.normalized) or need.concerns(result.heard):
        return result  # 脸好干 起皮 卡粉, 怎么办啊 with 痘痘: a complaint, met with care (engine/care.py)
    for label in need.labels(result.normalized) or need.labels(result.heard):
        reading = understanding.understand(label)
        if reading.decision is Decision.ANSWER:
            return replace(result, decision=Decision.ANSWER, answers=reading.answers, near_miss=False,
                           reason=f"{result.reason}；说到了编码本的 {label}：按“{label}”回答")
    return result
