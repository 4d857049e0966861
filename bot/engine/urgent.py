"""Emergencies (knowledge/faq.yaml `alone: true`): a child swallowed a product (孩子误食了你们的精华), a product in
the eye (精华弄进眼睛里了 好疼), skin burnt or oozing (刷酸刷伤了, 脸上烂了 流水了).

- `as_urgent` (where what she wrote is read, engine/told.py, after the other readings): a message carrying the
  `follows` intent of such an entry is that entry's case, whatever else it matches — 孩子误食了你们的精华 names a
  serum, 精华弄进眼睛里了 好疼 reads as an allergy after use, 脸上烂了 流水了 还能用水杨酸吗 as the salicylic question
  ("算温和的"). A message the FAQ answers with such an entry and other ones (刷酸刷伤了 还能用A醇吗) keeps only it.
- `answered` (engine/turn.py, right after opt-outs and 转人工): it is answered first — no flow's question, no
  follow-up about the product in view takes it.
- `tidy` (engine/coherent.py): it is answered alone — nothing else said in that turn (no ingredient or usage answer
  after 「先把酸类、A醇都停掉」, no 「怎么办啊」 fallback beside it), but the line about the order number she gave.
QA round 14, findings 1, 3 and 4.
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine import replies
from bot.engine.memory import recent
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import FaqEntry
from bot.understanding.matcher import Decision, Result

KEPT = ("order.", "faq.again")  # persona keys said beside an emergency: her order number noted, 你说的情况我看到了


def _alone(ctx: TurnContext) -> list[FaqEntry]:
    return [entry for entry in ctx.content.understanding.knowledge.faq if entry.alone and entry.enabled]


def as_urgent(ctx: TurnContext, result: Result) -> Result:
    if not result.normalized:
        return result
    entries = _alone(ctx)
    ids = {entry.id for entry in entries}
    if result.decision is Decision.ANSWER and any(name in ids for name in result.answers):
        kept = [name for name in result.answers if name in ids]
        if kept == result.answers:
            return result
        return replace(result, answers=kept, reason=f"{result.reason}；{kept[0]} 是急事：只答它")
    topic = recent(ctx.session, "topic")
    for entry in entries:
        for follows in entry.follows:
            if result.has_intent(follows.intent) and (not follows.after or topic in follows.after):
                return replace(result, decision=Decision.ANSWER, answers=[entry.id], near_miss=False, suggestion="",
                               reason=f"{result.reason}；意图 {follows.intent}：急事，按 {entry.id} 回答")
    return result


def answered(ctx: TurnContext, result: Result) -> bool:
    """An emergency is answered before the flows and the follow-ups see the message."""
    if result.decision is not Decision.ANSWER or not result.answers:
        return False
    ids = {entry.id for entry in _alone(ctx)}
    if not all(name in ids for name in result.answers):
        return False
    ctx.why.append(f"急事（{'、'.join(result.answers)}）：先回答，别的都等一等")
    for name in result.answers:  # said again with what she added (engine/again.py), as any answer asked again
        replies.answer(ctx, name, asked_again=True, asked=result)
    return True


def tidy(ctx: TurnContext) -> None:
    """In a turn that answered an emergency, only its answer is said."""
    labels = {f"faq:{entry.id}" for entry in _alone(ctx)} | {entry.answer_key for entry in _alone(ctx)
                                                              if entry.answer_key}
    messages = ctx.reply.messages
    if not any(message.label in labels for message in messages):
        return
    kept = [m for m in messages if m.label in labels or m.label.startswith(KEPT)]
    if len(kept) < len(messages):
        dropped = [m.label for m in messages if all(m is not k for k in kept)]
        ctx.why.append(f"急事的回答单独说：不说 {'、'.join(dropped)}")
        messages[:] = kept
