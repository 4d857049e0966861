"""我怀孕了 … (turns later) 想问问防晒能用吗: whether one product can be used, asked by a customer in a special time
she told (the profile's `stage`: 孕期, 哺乳期) or asked about in this conversation (`asked_stage`), while the
question itself says nothing of it. Before, the question was read as typed and got the sunscreen's general pitch
(or, for A醇, how to start it) — a pregnant customer never heard that the night serum is not for her now (QA
round 17). Now the product is asked 「<stage>能用吗」 and answered from its own `answers` (knowledge/products.yaml)
when it has one for that time.

The product is the one the question names (by its name, a word only its name holds: a醇, or a kind only one
product has: 防晒), or the one in view when she points at it (它能用吗, 这个呢). A kind several products share (精华
能用吗) is left to the FAQ; so is a question that says a special time itself (孕妇能用吗: read as typed), and a
product that avoids her time (A醇: the policy's `product.avoided` and `used_while_pregnant` say it). Asked after
engine/usable.py (能用什么乳液 names what she can use)."""

from __future__ import annotations

from bot.engine import hers
from bot.engine.followup import FollowUp, answered_by, product_names
from bot.engine.kinds import CAN
from bot.engine.turn_context import TurnContext
from bot.engine.usable import stages
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result


def _product(ctx: TurnContext, result: Result) -> Product | None:
    names = product_names(ctx.content.understanding)
    heard = result.heard or result.normalized
    named = names.one_named(heard, result.words)
    if named is not None:
        return named
    if names.shared(heard):
        return None
    _, kind = hers.kind_said(ctx, heard)
    if kind:
        return kind[0] if len(kind) == 1 else None
    if any(word in heard for word in hers.POINTING):
        mine = hers.hers(ctx)
        return mine[0] if mine else None
    return None


def _can(ctx: TurnContext, result: Result) -> bool:
    """A question whether it can be used (能用吗, 可以用吗; 保湿水能用吗, where 水能 took the cue as a word)."""
    heard = result.heard or result.normalized
    cues = ctx.content.understanding.knowledge.language.kinds.get(CAN, [])
    return result.question and (CAN in result.kinds or any(cue in heard for cue in cues))


def follow(ctx: TurnContext, result: Result) -> FollowUp | None:
    heard = result.heard or result.normalized
    if not _can(ctx, result) or result.has_intent("ask_recommendation"):
        return None
    told, _ = stages(ctx)
    if not told or any(word in heard for word in ctx.content.policy.minors.not_with):
        return None  # no special time of hers, or the question names one itself (孕妇能用吗: read as typed)
    product = _product(ctx, result)
    if product is None or any(label in told for label in product.avoid_when):
        return None  # one she should leave alone now: the policy says so its own way (product.avoided)
    for stage in told:
        found = answered_by(ctx.content.understanding, product, f"{stage}能用吗",
                            f"她在{stage}（说过或问过），问这一款能不能用：")
        if found is not None:
            return found
    return None


def _of_a_kind(ctx: TurnContext, result: Result) -> Result | None:
    """精华可以用吗 (four serums) from a pregnant customer: 「<stage>能用精华吗」 as the knowledge base answers it
    (pregnancy_safe: which of them to leave alone now), when it answers it outright."""
    heard = result.heard or result.normalized
    told, _ = stages(ctx)
    end, kind = hers.kind_said(ctx, heard)
    if not told or len(kind) < 2 or not _can(ctx, result) or result.has_intent("ask_recommendation") \
            or any(word in heard for word in ctx.content.policy.minors.not_with) \
            or product_names(ctx.content.understanding).one_named(heard, result.words) is not None:
        return None  # a醇的精华可以用吗 names one: its own answer (or product.avoided)
    asked = ctx.content.understanding.understand(f"{told[0]}能用{end}吗")
    return asked if asked.decision is Decision.ANSWER else None


def answered(ctx: TurnContext, result: Result) -> bool:
    from bot.engine import replies  # replies builds on this module's neighbours (followup.py)

    found = follow(ctx, result)
    if found is not None:
        replies.follow_up(ctx, found, result.text)
        return True
    kind = _of_a_kind(ctx, result)
    if kind is None:
        return False
    ctx.why.append(f"她在{'、'.join(stages(ctx)[0])}，问一类（几款）能不能用：按“{kind.text}”回答")
    replies.answer_all(ctx, kind)
    return True
