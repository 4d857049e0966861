"""One turn says one coherent thing (the QA round's finding 14).

What the pieces of a turn produced (engine/turn.py answers a burst, or 你好 我是学生党 没什么钱 cut at its spaces,
piece by piece) is tidied once, at the end of the turn:
- a "not understood" line (reprompt, fallback, statement.unclear, foreign_language, unsure, suggest, suggest.no) is
  dropped when another piece of the turn was answered (我是宝妈 还在哺乳期: the nursing answer, not "我没太接住" before
  it), and of several such lines only the first is kept (never two fallbacks in one turn), a suggest.no only if alone;
- a social line (ack, thanks, greeting) stands only alone (谢谢 不用了: "不打扰你啦", not "不客气" as well), and a
  small-talk line (快递到了, 下班了) is left out beside an FAQ answer (快递到了 但是碎了一瓶: the broken-bottle answer,
  not 收到啦就好 before it; beside a flow's question it stays: 好累啊 in the survey gets a word back);
- the same words are never said twice in one turn;
- beside an answer that hands her to a person (过敏: after-sales), 那款以后不推啦 (recommend.disliked) is left out;
- an answer said word for word on the turn before is not said again: the persona's `faq.again` says it is above
  when nothing else is said this turn, `faq.above` when something is (without `faq.above` it is left out);
  `faq.again` is never said two turns in a row (asked a third time, the answer itself is said).
  An upset customer (人呢, 气死了 this turn) is never pointed back: the answer is said (engine/again.py).
The texts said are remembered for the next turn (session.context `said`).
"""

from __future__ import annotations

from bot.conversation import Outbound
from bot.engine import again, suggestion, taken_back, urgent
from bot.engine.disliked import DISLIKED
from bot.engine.memory import recent, remember
from bot.engine.replies import AGAIN_SAID, said_again_last_turn
from bot.engine.turn_context import TurnContext

NOT_UNDERSTOOD = frozenset({"fallback", "reprompt", "statement.unclear", "foreign_language", "unsure", "suggest",
                            "suggest.no"})
SOCIAL = frozenset({"ack", "thanks", "greeting"})
AGAIN, ABOVE = "faq.again", "faq.above"  # persona keys: the answer just given, alone / beside another message
SAID = "said"  # session.context: the texts of the turn before
PRODUCT = "product:"  # a product's own answer (its usage, price): not beside the answer to a reaction to it


def _key(message: Outbound) -> str:
    return message.label.split(".")[0] if message.label.startswith(("greeting.", "thanks.", "ack.")) \
        else message.label


def _answer(message: Outbound) -> bool:
    """An FAQ answer with one wording (one with two, `answer_key`, never says the same twice in a row; a product's
    own answer, 169元, is said again when asked again in other words)."""
    return message.label.startswith("faq:")


def _reprompts(ctx: TurnContext) -> frozenset[str]:
    """The persona keys the flows' states reprompt with (recommend.which_concern asks its question again)."""
    return frozenset(key for flow in ctx.content.flows.values() for state in flow.spec.states.values()
                     for key in state.reprompt)


def tidy(ctx: TurnContext, unsure: list[Outbound]) -> None:
    """`unsure`: the lines said this turn when a piece was not understood; those of them that are a state's own
    reprompt (welcome.reprompt) count as "not understood" (a fallback rule's goto says real lines)."""
    taken_back.said(ctx)  # 我们在备孕哦 right after the A醇 serum was suggested: that advice taken back, first
    messages = ctx.reply.messages
    before = list(messages)

    reprompts = _reprompts(ctx)

    def lost(message: Outbound) -> bool:
        reprompted = any(message.label == key or message.label.startswith(key + ".") for key in reprompts)
        return _key(message) in NOT_UNDERSTOOD or (reprompted and any(message is u for u in unsure))

    if ctx.reply.handover_after:  # 我用了水杨酸精华过敏了: the after-sales answer and the person speak, not 以后不推啦
        reaction = ctx.reply.handover_after in {answer for _, _, answer, *_ in ctx.content.need.disliked.reactions}
        messages[:] = [m for m in messages if m.label != DISLIKED  # … nor, to 用了提亮精华过敏了 还能用吗, how to
                       and not (reaction and m.label.startswith(PRODUCT))]  # apply it (QA round 14)
    social = [m for m in messages if _key(m) in SOCIAL]
    if social and len(social) < len(messages):
        messages[:] = [m for m in messages if _key(m) not in SOCIAL]
    chat = {f"intent.{name}" for name in ctx.content.understanding.intents.smalltalk}
    if any(m.label.startswith(("faq:", "faq.")) for m in messages):  # 快递到了 但是碎了一瓶: the broken bottle only
        messages[:] = [m for m in messages if m.label not in chat]
    missed = [m for m in messages if lost(m)]
    if missed and len(missed) < len(messages):
        messages[:] = [m for m in messages if not lost(m)]
    elif len(missed) > 1:  # 不是 + her question in other words, still not understood: the fallback, not "say it again"
        messages[:] = [m for m in missed if m.label != "suggest.no"][:1] or missed[:1]
    _one_answer_per_entry(ctx)
    urgent.tidy(ctx)  # 刷酸刷伤了 还能用A醇吗: the emergency's answer only, never how to start the retinol after it
    _not_again(ctx)
    twice = [number for number, message in enumerate(messages)
             if message.text and any(message.text == earlier.text for earlier in messages[:number])]
    if twice:  # 孕妇 + 能用吗 each read as the pregnancy question: the same words are said once a turn
        messages[:] = [message for number, message in enumerate(messages) if number not in twice]
    if not any(m.label == "suggest" for m in messages):
        suggestion.forget(ctx.session)  # dropped (another piece was answered): a later 是 is not a yes to it
    if len(messages) < len(before):
        dropped = [m.label for m in before if all(m is not kept for kept in messages)]
        ctx.why.append(f"一轮只说一件事：不说 {'、'.join(dropped)}")
    remember(ctx.session, SAID, [m.text for m in messages if m.text])


def _entry_of(ctx: TurnContext, label: str) -> str | None:
    """The FAQ entry a message answers: faq:<id>, or the persona key of an entry with two wordings (answer_key)."""
    if label.startswith("faq:"):
        return label[4:]
    for entry in ctx.content.understanding.knowledge.faq:
        if entry.answer_key and (label == entry.answer_key or label.startswith(entry.answer_key + ".")):
            return entry.id
    return None


def _one_answer_per_entry(ctx: TurnContext) -> None:
    """瓶子碎了 | 漏了一地 | 怎么办: the damage answer once, not in both its wordings (one problem, told thrice)."""
    messages = ctx.reply.messages
    seen: set[str] = set()
    kept: list[Outbound] = []
    for message in messages:
        entry = _entry_of(ctx, message.label) if message.label.startswith("faq") else None
        if entry is not None and entry in seen:
            ctx.why.append(f"FAQ {entry} 这一轮已经回答过：只说一次")
            continue
        if entry is not None:
            seen.add(entry)
        kept.append(message)
    messages[:] = kept


def _not_again(ctx: TurnContext) -> None:
    """The answers given word for word on the turn before are said, once, to be above, not sent again."""
    previous = recent(ctx.session, SAID, within=1) or []
    messages = ctx.reply.messages
    if again.upset(ctx):  # an upset customer is never pointed back up the chat
        _answer_instead_of_again(ctx)
        if any(_answer(message) and message.text in previous for message in messages):
            ctx.why.append("她着急了（人呢、生气）：不说“上面说过”，回答照说")
        return
    repeated = [number for number, message in enumerate(messages) if _answer(message) and message.text in previous
                and not again.said_on_purpose(ctx, message.label)]
    if not repeated:
        return
    alone = len(repeated) == len(messages)
    key = AGAIN if alone else ABOVE
    if key == AGAIN and said_again_last_turn(ctx.session):
        ctx.why.append("上一轮刚说过“就是上面这条”：不连着说两次，回答照说")
        return
    ctx.why.append(f"{'、'.join(messages[n].label for n in repeated)} 上一轮原话说过：改说 {key}")
    kept = [message for number, message in enumerate(messages) if number not in repeated]
    if ctx.persona.has(key):
        ctx.say(key)
        if key == AGAIN:
            remember(ctx.session, AGAIN_SAID, messages[repeated[0]].label)
        kept.insert(repeated[0], messages[-1])  # where the first of them was
    elif alone:
        return  # nothing to say instead: better the answer again than silence
    messages[:] = kept


def _answer_instead_of_again(ctx: TurnContext) -> None:
    """`faq.again` said before the turn turned out upset (快递到底到哪了 | 人呢): the answer it pointed to instead."""
    messages = ctx.reply.messages
    entry = ctx.content.understanding.faq_by_id.get(str(recent(ctx.session, AGAIN_SAID, within=0) or ""))
    for number, message in enumerate(messages):
        if message.label.startswith(AGAIN) and not message.label.startswith(again.ANGRY):
            if entry is None or not entry.answer:
                messages[number] = Outbound(text="", label="")
            else:
                messages[number] = Outbound(text=entry.answer, label=f"faq:{entry.id}")
                ctx.why.append(f"这一轮她着急了：不说“就是上面这条”，把 FAQ {entry.id} 的回答再说一遍")
    messages[:] = [m for m in messages if m.text or m.attachment]
