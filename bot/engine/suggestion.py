"""A question we cannot answer outright, but one FAQ entry leads clearly (understanding's `suggestion`): the
persona's `suggest` asks 你是想问「…」吗 instead of a plain "not sure"; a yes on the next turn (1, 是, 对, 嗯)
gets that answer (and what she asked is kept for `siyu misses` as a phrasing she confirmed), a no (不是) gets
`suggest.no`. Without `suggest` in the persona the fallback is said as before.
"""

from __future__ import annotations

import re

from bot.conversation import Outbound
from bot.engine import replies, told
from bot.engine.memory import recent, remember
from bot.engine.reading import NOT_THAT
from bot.engine.session import Session
from bot.engine.turn_context import TurnContext
from bot.understanding.result import Decision, Result

SUGGESTED = "suggested"  # session.context: the entry offered on the turn before
_YES = frozenset({"1", "一", "是", "是的", "是啊", "是呀", "对", "对的", "对啊", "对呀", "对对", "对对对", "嗯", "嗯嗯",
                  "嗯呢", "就是", "就是这个", "是这个", "没错", "yes"})
_SHORT = 6  # characters: a longer reply says something of its own …
_LONG_YES = 12  # … unless it starts with a yes and asks nothing (是的是的就是这个意思)
_ASKING = "(?:我是问|我是说|我问的是|我想问|是问)"
_NO_THEN = re.compile(rf"^\s*(?:不是这个|不是的|不是|不对)(?:[\s,，.。!！~～、]+{_ASKING}?|{_ASKING})(.+)$")


def offer(ctx: TurnContext, result: Result) -> Outbound | None:
    """Ask whether she meant the entry that leads; None when there is none to offer (or one was this turn)."""
    entry = result.suggestion
    if (result.decision is not Decision.MISS or not entry or not ctx.persona.has("suggest")
            or any(message.label == "suggest" for message in ctx.reply.messages)):
        return None
    question = ctx.content.understanding.faq_by_id[entry].questions[0]
    ctx.why.append(f"差一点答上：{entry} 明显领先，问她是不是想问“{question}”")
    said = len(ctx.reply.messages)
    ctx.say("suggest", question=question)
    if len(ctx.reply.messages) == said:
        return None
    remember(ctx.session, SUGGESTED, {"entry": entry, "asked": result.text[:200]})
    return ctx.reply.messages[-1]


def _offered(session: Session, result: Result, longest: int = _SHORT) -> dict[str, str] | None:
    offered = recent(session, SUGGESTED, within=1)
    if not isinstance(offered, dict) or result.question or len(result.normalized) > longest:
        return None
    return {"entry": str(offered.get("entry", "")), "asked": str(offered.get("asked", ""))}


def _says_yes(result: Result) -> bool:
    text = result.normalized
    return (text in _YES or result.has_intent("affirm")
            or (len(text) > _SHORT and any(text.startswith(yes) for yes in _YES if len(yes) > 1)))


def taken(ctx: TurnContext, result: Result) -> str | None:
    """The entry offered on the turn before, when this reply says yes to it; what she asked and that entry are
    kept for `siyu misses` (a phrasing the customer confirmed, ready to add to the entry)."""
    offered = _offered(ctx.session, result, _LONG_YES)
    if offered is None or not _says_yes(result):
        return None
    if offered["entry"] not in ctx.content.understanding.faq_by_id:
        return None  # the content changed since: the entry is gone
    ctx.reply.confirmed = (offered["asked"], offered["entry"])
    return offered["entry"]


def declined(session: Session, result: Result) -> bool:
    """This reply says no to the entry offered on the turn before."""
    return _offered(session, result) is not None and (result.normalized in NOT_THAT or result.has_intent("deny"))


def forget(session: Session) -> None:
    session.context.pop(SUGGESTED, None)


def asked_instead(session: Session, result: Result) -> str:
    """不是 我是问精华晚上能不能用: the no to the suggestion, then her question in other words — that question
    ("" when the reply is no such thing)."""
    if not isinstance(recent(session, SUGGESTED, within=1), dict):
        return ""
    found = _NO_THEN.match(result.text)
    return found.group(1).strip() if found else ""


ANSWERED, SAID = "answered", "said"  # what replied() did with her reply


def replied(ctx: TurnContext, result: Result) -> tuple[str, Result]:
    """Her reply to the suggestion of the turn before: a yes gets that answer (ANSWERED), a no `suggest.no`
    (SAID); 不是，我是问… gives back what she asks instead, as the message to read ("", that reading)."""
    meant = taken(ctx, result)
    if meant is not None:
        ctx.why.append(f"顾客确认了猜的问题 {meant}")
        replies.answer(ctx, meant)
        return ANSWERED, result
    if declined(ctx.session, result):
        ctx.say("suggest.no" if ctx.persona.has("suggest.no") else "reprompt")
        return SAID, result
    instead = asked_instead(ctx.session, result)
    if not instead:
        return "", result
    forget(ctx.session)
    ctx.why.append(f"她说不是，改问：“{instead}”")
    return "", told.as_told(ctx, ctx.content.understanding.understand(instead))
