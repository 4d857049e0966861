"""A gift: she is choosing for someone else (买给妈妈, 送女朋友, 给我妈买) — for the rest of that recommendation.

The `gift` intent (knowledge/intents.yaml) starts it; the person named (the codebook's `others`: 妈妈, 女朋友…)
is the slot `recipient` ("TA" when none is named). While it lasts — the policy's flow runs, or, until a product
is offered for it, within WITHIN turns of the message that spoke of it — what she says about skin is the
recipient's: it is kept in the session (`answers`, question → code), never saved to her profile, counts as no
pain of hers, and the policy chooses by it (someone_else) and asks its question (the concern) about the
recipient, not her. The persona says a key's `.gift` variant when it has one (recommend.which_concern.gift).
给我自己 ends it.

Two FAQ entries fitting a question equally while a gift is in view (能帮忙包装吗: gift wrapping, or a broken bottle's
包装破损): the question is read again with the gift's word in front (the `gift` intent's keyword the FAQ also uses:
送人); when that reading answers one of the two, it is the answer, not a choice of two (QA round 14, finding 12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.engine.session import Session
from bot.understanding.matcher import Decision

if TYPE_CHECKING:
    from bot.engine.turn_context import TurnContext
    from bot.understanding.matcher import Result

GIFT = "gift"  # the session context item, and a persona key's variant (key.gift)
INTENT = "gift"  # the intent that says she buys for someone else
RECIPIENT = "recipient"  # the slot: who the gift is for
SOMEONE = "TA"
WITHIN = 4  # turns a gift said before the policy's flow stays in view (until a product is offered for it)
_HERSELF = ("我自己", "给自己", "自己用")
_GIVING = "给送"  # 给女朋友买, 送我妈, 买给老公: the person right after it is the one the gift is for
_NEAR = 6  # characters after the giving word a person is read in (我的女朋友, 我家老公)


def active(session: Session, policy_flow: str) -> dict[str, Any] | None:
    """The gift in view, or None."""
    item = session.context.get(GIFT)
    if not isinstance(item, dict):
        return None
    if session.flow == policy_flow:
        return item
    if item.get("offered") or session.turns - int(item.get("turn", -WITHIN - 1)) > WITHIN:
        return None  # the recommendation for them is over: what she says is hers again
    return item


def offered(session: Session, policy_flow: str) -> None:
    """A product was offered for the gift: once the policy's flow ends, the gift is over."""
    item = active(session, policy_flow)
    if item is not None:
        item["offered"] = True


def answers(ctx: TurnContext) -> dict[str, str] | None:
    """What she said of the recipient's skin (question → code) while a gift is in view; None without one."""
    item = active(ctx.session, ctx.content.policy.flow)
    return dict(item.get("answers") or {}) if item is not None else None


def keep(ctx: TurnContext, found: dict[str, str]) -> None:
    item = active(ctx.session, ctx.content.policy.flow)
    if item is not None and found:
        item.setdefault("answers", {}).update(found)
        ctx.why.append(f"送礼：记成{ctx.session.slots.get(RECIPIENT) or SOMEONE}的情况，不记成她自己的（"
                       f"{'、'.join(f'{q}={c}' for q, c in found.items())}）")


def _recipient(results: list[Result], people: Callable[[str], str]) -> str:
    """Who the gift is for: a person named right after a giving word (给女朋友, 送我妈, 买给老公) in a message that
    buys for someone, else the first person that message names — not one named elsewhere in the turn (哥们 + 想给女朋友
    买个礼物: 哥们 is how she addresses the bot) nor before the giving word (我哥让我问 想买给我妈)."""
    for result in results:
        if not result.has_intent(INTENT):
            continue
        text = result.normalized
        for at, char in enumerate(text):
            if char in _GIVING and (named := people(text[at + 1:at + 1 + _NEAR])):
                return named
    return next((named for result in results if result.has_intent(INTENT) and (named := people(result.normalized))),
                "")


def notice(ctx: TurnContext, results: list[Result], people: Callable[[str], str]) -> None:
    """A message that buys for someone else starts (or keeps) the gift; 给我自己 ends it. `people` names the
    person in a normalised text (profile.others.Others.named)."""
    session, flow = ctx.session, ctx.content.policy.flow
    item = active(session, flow)
    text = "，".join(result.normalized for result in results)
    if item is not None and any(word in text for word in _HERSELF):
        session.context.pop(GIFT, None)
        session.slots.pop(RECIPIENT, None)
        ctx.why.append("她说是给自己的：不再按送礼挑")
        return
    if any(result.has_intent(INTENT) for result in results):
        named = _recipient(results, people) or people(text) or (item or {}).get("for") or SOMEONE
        if item is None or item.get("for") != named:
            item = {"for": named, "answers": {}}
            ctx.why.append(f"送礼：给{named}挑，她说的皮肤情况算{named}的，不记成她自己的")
        session.context[GIFT] = item
        session.slots[RECIPIENT] = named
        item["turn"] = session.turns
    elif item is not None and session.flow == flow:
        item["turn"] = session.turns  # the recommendation goes on: after it ends, the gift stays WITHIN turns


def told_apart(ctx: TurnContext, result: Result) -> Result | None:
    """A choice of two while a gift is in view: the one a reading with the gift's word answers, else None."""
    item = ctx.session.context.get(GIFT)
    if not isinstance(item, dict) or ctx.session.turns - int(item.get("turn", -WITHIN - 1)) > WITHIN:
        return None
    understanding = ctx.content.understanding
    intent = understanding.knowledge.intents.get(INTENT)
    used = {understanding.normalize(k) for entry in understanding.knowledge.faq for k in entry.keywords}
    keywords = intent.keywords if intent is not None else []
    word = next((w for k in keywords if (w := understanding.normalize(k)) in used), "")
    if not word:
        return None
    again = understanding.understand(word + result.normalized)
    if again.decision is not Decision.ANSWER or not set(again.answers) <= set(result.answers[:2]):
        return None
    ctx.why.append(f"送礼的话题里，两条一样像：带上“{word}”再读一次是 {'、'.join(again.answers)}")
    return again
