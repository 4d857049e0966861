"""Her order's case, which a flow's yes/no must not take: 我要取消订单 不想要了 at the welcome's 想先聊聊你的皮肤情况吗
is a question about her order, not a no to the invitation (QA round 12, finding 7).

A message is her case when the knowledge base answers it (decision `answer`) with an entry that
- a person must follow up (`handover: true`: 收到的瓶子碎了, 退款没到), or
- holds, as one of its own keywords, the words a yes/no intent of the message was read from (不想要了 is a keyword
  of cancel_order and a `deny` keyword): the "no" is part of her question.
Such a message is answered from the FAQ before the current state's rules (an intent rule, an `any` catch-all that
takes a statement as the answer to an open question); the flow waits, and no tag of the rule (冷淡) is set.

In a turn an entry a person must follow up answered (赠品没收到啊), another piece that only tells (说好送小样的: no
question) and that the FAQ answered with an entry of no case of hers is a detail of the same complaint: its answer
(the gift-with-purchase promotion) is not said. A question beside it (有没有试用装) is answered as asked.

She said her parcel came (the optional intent `arrived`: 收到啦, 今天到了): the slot `arrived` is set to 收到了, so a
follow-up step written `by: arrived` says its `.收到了` variant — the care after a purchase does not ask 宝贝收到了吗
(QA round 12, finding 15).
"""

from __future__ import annotations

from bot.conversation import Outbound
from bot.engine import replies
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses

ARRIVED = "arrived"  # the optional intent, and the slot it sets
ARRIVED_VALUE = "收到了"
_NOT_UNDERSTOOD = frozenset({"fallback", "reprompt", "statement.unclear", "unsure", "suggest", "welcome.reprompt"})


def note_arrived(ctx: TurnContext, results: list[Result]) -> None:
    """收到啦: kept in the slot `arrived`, for the follow-ups (docs/followups.md)."""
    if any(result.has_intent(ARRIVED) for result in results) and ctx.session.slots.get(ARRIVED) != ARRIVED_VALUE:
        ctx.session.slots[ARRIVED] = ARRIVED_VALUE
        ctx.why.append("她说东西收到了：记下（arrived），之后的关怀不再问收到了吗")


def her_case(ctx: TurnContext, result: Result) -> str:
    """The FAQ entry that makes the message her order's case, or ""."""
    if result.decision is not Decision.ANSWER:
        return ""
    understanding = ctx.content.understanding
    entries = [understanding.faq_by_id[name] for name in result.answers if name in understanding.faq_by_id]
    for entry in entries:
        if entry.handover or entry.alone:  # an emergency is never a yes or no to the flow's question either
            return entry.id
    intents = {name for name, _ in result.intents}
    if not intents:
        return ""
    for entry in entries:
        for keyword in entry.keywords:
            read = understanding.understand(keyword).intents if keyword in result.normalized else []
            if intents & {name for name, _ in read}:
                return entry.id
    return ""


def details_of_the_case(ctx: TurnContext, told: list[tuple[Result, list[Outbound]]]) -> None:
    """Drop what was said to a statement beside an after-sales complaint answered this turn (see above)."""
    faq = ctx.content.understanding.faq_by_id

    def handed(result: Result) -> bool:
        return result.decision is Decision.ANSWER and any(faq[name].handover for name in result.answers if name in faq)

    if not any(handed(result) for result, _ in told):
        return
    for result, said in told:
        if said and not result.question and result.decision is Decision.ANSWER and not her_case(ctx, result):
            ctx.reply.messages[:] = [m for m in ctx.reply.messages if all(m is not s for s in said)]
            ctx.why.append(f"“{result.text}” 是在讲售后这件事的经过：不回答 {'、'.join(result.answers)}")


def asked_beside(ctx: TurnContext, result: Result, said: int) -> None:
    """我是干皮 脸好干 用什么好呢？另外你们几点发货？: the recommendation's flow took the message, and the clause about
    her order (an entry tagged with one of the policy's `orders`: 物流, 订单, 售后) went unanswered. When a flow said
    all that the message got (no FAQ answer, no care, nothing "not understood"), a clause of it that asks, and that the
    FAQ answers with such entries, is answered after it (QA round 16, finding 7)."""
    parts = clauses(result.text)
    labels = {message.label for message in ctx.reply.messages[said:]}
    if len(parts) < 2 or not labels or ctx.reply.handover or any(
            label.startswith(("faq", "product:", "care", "intent.")) or label in _NOT_UNDERSTOOD for label in labels):
        return  # only beside what a flow said (the offer), not beside the FAQ's own answers to the message
    understanding, orders = ctx.content.understanding, ctx.content.policy.orders
    for part in parts:
        reading = understanding.understand(part)
        if reading.decision is not Decision.ANSWER or not reading.question:
            continue
        entries = [understanding.faq_by_id[name] for name in reading.answers if name in understanding.faq_by_id]
        if not entries or not all(set(entry.tags) & orders for entry in entries):
            continue
        if any(f"faq:{entry.id}" in labels or (entry.answer_key or "-") in labels for entry in entries):
            continue
        ctx.why.append(f"“{part}” 问的是她订单的事（{'、'.join(e.id for e in entries)}），别的回答没说到：接着回答")
        replies.answer_all(ctx, reading)
        labels |= {message.label for message in ctx.reply.messages[said:]}
