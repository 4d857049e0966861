"""An order number she gives (我的订单还没到 | 单号是 SY20261120001): what it looks like is content (matching.yaml
`order_numbers`: a number after one of its `cues`, one opening with one of its `letters`, or a message of nothing
but the number, with at least `digits` digits — except an 11-digit mainland mobile number sent alone, which is
her phone). It is kept in the session for this conversation session (the
profile's session count), whichever message of the burst (or earlier turn) gave it — with `keep_days`, for that many
days across conversation sessions too (she comes back days later about the same case) — and then:

- a piece of the burst that only gives it is not answered on its own (no 「没太接住」): the other pieces' answers
  take it; a message that only gives it is `order.received` — or, right after an entry of `check`, that check;
- an entry of `check` (order_status: look it up in 我的订单) is not said: `order.check`, and a person takes it (the
  entry's handover), since she gave what they need;
- an answer that asks for the order number (a clause naming a cue: 把订单号发在这里, 拍张照片和订单号发这里) leaves the
  asking out and says `order.noted` — she is not asked again (QA round 11).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.engine.memory import recent
from bot.engine.quote import CLAUSE_END
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import OrderNumbers
from bot.understanding.matcher import Understanding

ORDER = "order_number"  # session.context: {"value": the number, "sessions": the profile's session count}
RECEIVED, CHECK, NOTED = "order.received", "order.check", "order.noted"  # persona
_JOINED_BEFORE = "和|、|及|以及|连同|跟"
_JOINED_AFTER = "和|、|及|以及"
_BRACKETED = r"(?:[（(][^）)]*[）)])?"
_SENT = "发|给|告诉|私信|留"  # 把订单号发在这里: the clause asks for nothing but the number
_MOBILE = re.compile(r"1[3-9]\d{9}")  # a mainland mobile number


LONGEST = 40  # digits: order numbers are 10-25 long; a longer run was read back to her whole and handed to staff


def _pattern(spec: OrderNumbers) -> re.Pattern[str] | None:
    if not spec.cues and not spec.letters:
        return None
    digits = rf"\d{{{spec.digits},{max(spec.digits, LONGEST)}}}"  # a run of hundreds of digits is no order number
    letters = "|".join(map(re.escape, sorted(spec.letters, key=len, reverse=True)))
    cues = "|".join(map(re.escape, sorted(spec.cues, key=len, reverse=True)))
    forms = [rf"(?<![A-Za-z0-9])((?:{letters}){digits})(?!\d)"] if letters else []
    if cues:
        forms.append(rf"(?:{cues})\W{{0,3}}(?:是|为)?\W{{0,3}}([A-Za-z]{{0,4}}{digits})(?!\d)")
    forms.append(rf"^\W*([A-Za-z]{{0,4}}{digits})\W*$")
    return re.compile("|".join(forms), re.IGNORECASE)


def found(spec: OrderNumbers, text: str) -> str:
    """The order number the text gives, as written (upper case), or ""."""
    pattern = _pattern(spec)
    said = unicodedata.normalize("NFKC", text)  # full-width digits and letters
    match = pattern.search(said) if pattern is not None else None
    if match is None:
        return ""
    number = next((group.upper() for group in match.groups() if group), "")
    if match.lastindex == len(match.groups()) and _MOBILE.fullmatch(number):
        return ""  # 13812345678 sent alone is her phone number (for a handover, a courier), not an order
    return number


def only_gives(spec: OrderNumbers, understanding: Understanding, text: str) -> bool:
    """单号是 SY20261120001: the text gives the number and says nothing else."""
    number = found(spec, text)
    if not number:
        return False
    rest = unicodedata.normalize("NFKC", text).upper().replace(number, "")
    for cue in sorted(spec.cues, key=len, reverse=True):
        rest = rest.replace(cue.upper(), "")
    normalized = understanding.normalize(rest)
    return not normalized or understanding.analyze(normalized).empty


def read(ctx: TurnContext, texts: list[str]) -> None:
    """Keep the number the burst gives (the last one), for this conversation session."""
    spec = ctx.content.understanding.knowledge.order_numbers
    numbers = [number for text in texts if (number := found(spec, text))]
    if numbers:
        ctx.session.context[ORDER] = {"value": numbers[-1], "sessions": _session(ctx), "turn": ctx.session.turns,
                                      "at": ctx.now}
        ctx.why.append(f"她给了订单号 {numbers[-1]}：记下，不再问她要")


def _session(ctx: TurnContext) -> int:
    """The profile's session count once this turn is seen (Profile.seen, which may not have run yet)."""
    profile, gap = ctx.profile, ctx.content.policy.session_gap
    return profile.sessions + (1 if not profile.last_seen or ctx.now - profile.last_seen > gap else 0)


def spoken_of(ctx: TurnContext, text: str) -> bool:
    """订单号是多少你们不会自己查吗: her message speaks of the order number (a `cue`) and none is known — a line
    of the persona's `<key>.order` (the phone number she ordered with works too) says so, not 「有订单号更好」."""
    return any(cue in text for cue in ctx.content.understanding.knowledge.order_numbers.cues) and not known(ctx)


def known(ctx: TurnContext) -> str:
    """The number she gave in this conversation session — or, with `keep_days`, within that many days (化妆包还没收到
    three days after she gave it: the case goes on, she is not asked again; QA round 12, finding 10)."""
    item = ctx.session.context.get(ORDER)
    if not isinstance(item, dict):
        return ""
    keep = ctx.content.understanding.knowledge.order_numbers.keep_days * 86400.0
    given = item.get("at")
    lasts = keep and isinstance(given, (int, float)) and ctx.now - given <= keep
    if item.get("sessions") != _session(ctx) and not lasts:
        return ""
    return str(item.get("value") or "")


def lone(ctx: TurnContext) -> None:
    """A message (or burst) that only gives the number: the check of the entry just answered, else received."""
    number = known(ctx)
    topic = str(recent(ctx.session, "topic", within=1) or "")
    if topic in ctx.content.understanding.knowledge.order_numbers.check and ctx.persona.has(CHECK):
        check(ctx, topic)
    elif ctx.persona.has(RECEIVED):
        ctx.why.append(f"只发了订单号 {number}：说收到了，问她想办什么")
        ctx.say(RECEIVED, order=number)


def check(ctx: TurnContext, entry_id: str) -> bool:
    """An entry that teaches her to look it up (order_status), when she gave the number: a person checks it."""
    number = known(ctx)
    if not number or entry_id not in ctx.content.understanding.knowledge.order_numbers.check \
            or not ctx.persona.has(CHECK):
        return False
    ctx.why.append(f"她给了订单号 {number}：不教她自己查（{entry_id}），请同事按单号查")
    ctx.say(CHECK, order=number)
    ctx.session.context["topic"] = {"value": entry_id, "turn": ctx.session.turns}
    ctx.reply.handover_after = entry_id
    return True


def not_asked_again(ctx: TurnContext, said: int) -> None:
    """The answers said from `said` on that ask for the order number she gave: the asking left out, and noted."""
    number, spec = known(ctx), ctx.content.understanding.knowledge.order_numbers
    if not number or not spec.cues or any(m.label == NOTED for m in ctx.reply.messages):
        return
    cues = "|".join(map(re.escape, sorted(spec.cues, key=len, reverse=True)))
    whole = re.compile(rf"把(?:{cues}){_BRACKETED}(?={_SENT})")
    part = re.compile(rf"(?:{_JOINED_BEFORE})?(?:{cues}){_BRACKETED}(?:{_JOINED_AFTER})?")
    cut = False
    for index in range(said, len(ctx.reply.messages)):
        message = ctx.reply.messages[index]
        clauses = [c for c in CLAUSE_END.split(message.text) if c.strip()]
        kept = [("" if whole.search(c) else part.sub("", c, count=1)) if part.search(c) else c for c in clauses]
        if kept != clauses:
            text = "".join(kept).strip().rstrip("，,；;、")
            ctx.reply.messages[index] = replace(message, text=text)
            cut = True
    if cut and ctx.persona.has(NOTED):
        ctx.why.append(f"回答里要她发订单号的那半句不说：她已经给了 {number}")
        ctx.say(NOTED, order=number)


def acknowledged(ctx: TurnContext) -> None:
    """A turn handed to a person (瓶子碎了 | 单号 SY…: the damaged-item answer asks for photos, not the number): when
    she gave the number in this turn and nothing said so yet, `order.noted` tells her it goes with it."""
    item, number = ctx.session.context.get(ORDER), known(ctx)
    if not number or not isinstance(item, dict) or item.get("turn") != ctx.session.turns:
        return
    if any(m.label in (RECEIVED, CHECK, NOTED) or number in m.text for m in ctx.reply.messages):
        return
    if ctx.persona.has(NOTED):
        ctx.why.append(f"转给同事：她这一轮给的订单号 {number} 说一声一起转过去了")
        ctx.say(NOTED, order=number)
