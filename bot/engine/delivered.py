"""When she signed for her parcel (签收三天了, 18号签收的, 昨天收到的): how many days ago that was, counted from today's
date in SIYU_TIMEZONE — a day of the month later than today's is last month's (on the 3rd, 28号签收的 is 6 days ago)
— and whether that is still within the no-reason return window (knowledge/matching.yaml `delivered`: its
`window_days`, counted from the day after signing, as the return answer says). QA round 13: 18号签收的 was not
understood, and the return answer never said whether her own parcel was still inside the 7 days.

- read(): each message of the turn is read for it; what she said is kept in the session (this conversation).
- An answer of `delivered.answers` (return_policy) is followed by the persona's `delivered.within` or
  `delivered.past` (`delivered.today`, optional, for a parcel signed today), with {since} (12月18号签收的), {days}
  and {window} — once a turn; the days are counted again on the day it is said.
- A message that tells the day and that nothing else answers (18号签收的, 签收三天了) is answered as the return
  question: the entry of `answers` just answered, else its first, and the days beside it — right after that
  entry's answer (可以退货吗 → 18号签收的), the days alone, not the answer again.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date, timedelta

from bot.engine.memory import recent
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Delivered
from bot.understanding.matcher import Decision, Result

DELIVERED = "delivered"  # session.context: {"on": the date she signed, "word": 签收, "turn"}
WITHIN, PAST, TODAY = "delivered.within", "delivered.past", "delivered.today"  # persona (today: optional)
_NUMBER = r"(\d{1,2}|[一二两三四五六七八九十]{1,3})"
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_RELATIVE = {"今天": 0, "昨天": 1, "前天": 2, "大前天": 3}
_BETWEEN = r"(?:就|才|已经|刚|刚刚)?"  # 18号就签收了
_TOLD = "她只说了哪天签收的：按能不能退换回答，说一句还在不在无理由退换的天数里"  # the reason as_told gives


def _number(said: str) -> int | None:
    """18, 十八, 二十一, 三 → the number; None for what is no number below 100."""
    if said.isdigit():
        return int(said)
    if "十" not in said:
        return _DIGITS.get(said) if len(said) == 1 else None
    tens, _, ones = said.partition("十")
    high = _DIGITS.get(tens, -1) if tens else 1
    low = _DIGITS.get(ones, -1) if ones else 0
    return None if high < 0 or low < 0 else high * 10 + low


def _day_of_month(day: int, today: date) -> date | None:
    """The 18th: this month's when it is not later than today, else last month's (None when that month has none)."""
    year, month = today.year, today.month
    if day > today.day:
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def told(spec: Delivered, text: str, today: date) -> tuple[int, str] | None:
    """(days since she signed, her word for it: 签收, 收到) when the text says when the parcel came; else None."""
    words = "|".join(map(re.escape, sorted(spec.words, key=len, reverse=True)))
    if not words:
        return None
    said = unicodedata.normalize("NFKC", text)
    match = re.search(rf"{_NUMBER}\s*[号日]\s*{_BETWEEN}({words})", said) or re.search(
        rf"({words})(?:的)?(?:日期|时间|那天)?(?:是)?\s*{_NUMBER}\s*[号日]", said)
    if match is not None:
        number, word = (match.group(1), match.group(2)) if match.re.pattern.startswith(_NUMBER) else \
            (match.group(2), match.group(1))
        day = _number(number)
        signed = _day_of_month(day, today) if day is not None and 1 <= day <= 31 else None
        if signed is not None:
            return (today - signed).days, word
    match = re.search(rf"({words})(?:了|完)?(?:有|快|都)?\s*{_NUMBER}\s*天", said) or re.search(
        rf"{_NUMBER}\s*天前\s*{_BETWEEN}({words})", said)
    if match is not None:
        number = match.group(2) if match.re.pattern.startswith(f"({words})") else match.group(1)
        word = match.group(1) if match.re.pattern.startswith(f"({words})") else match.group(2)
        days = _number(number)
        if days is not None and days <= 366:
            return days, word
    match = re.search(rf"(大前天|前天|昨天|今天)\s*{_BETWEEN}({words})", said)
    if match is not None:
        return _RELATIVE[match.group(1)], match.group(2)
    return None


def _today(ctx: TurnContext) -> date:
    return ctx.today or date.fromtimestamp(ctx.now)


def read(ctx: TurnContext, texts: list[str]) -> None:
    """Keep the day she says she signed for the parcel (the last message of the turn that says one)."""
    spec = ctx.content.understanding.knowledge.delivered
    for text in texts:
        found = told(spec, text, _today(ctx))
        if found is not None:
            days, word = found
            on = _today(ctx) - timedelta(days=days)
            ctx.session.context[DELIVERED] = {"on": on.isoformat(), "word": word, "turn": ctx.session.turns}
            ctx.why.append(f"她说了签收的日子（{on.month}月{on.day}号{word}）：到今天 {days} 天")


def beside(ctx: TurnContext, entry_id: str) -> None:
    """After an answer of `answers`: whether her parcel is still within the window, once a turn."""
    spec = ctx.content.understanding.knowledge.delivered
    item = ctx.session.context.get(DELIVERED)
    if entry_id not in spec.answers or not isinstance(item, dict) or not item.get("on"):
        return
    if any(m.label.split(".")[0] == DELIVERED for m in ctx.reply.messages):
        return
    on = date.fromisoformat(str(item["on"]))
    days = (_today(ctx) - on).days  # counted again today: she may come back days later
    key = WITHIN if days <= spec.window_days else PAST
    if days <= 0 and ctx.persona.has(TODAY):
        key = TODAY  # signed today: the window starts tomorrow
    if ctx.persona.has(key):
        since = f"{on.month}月{on.day}号{item.get('word', '')}的"
        ctx.say(key, since=since, days=str(days), window=str(spec.window_days))
        ctx.why.append(f"签收到今天 {days} 天：{'还在' if key == WITHIN else '过了'} {spec.window_days} 天无理由退换里")


def only_the_day(ctx: TurnContext, entry_id: str, asked: Result | None) -> bool:
    """She only told the day, right after this entry was answered: the days are said alone (True), once."""
    spec = ctx.content.understanding.knowledge.delivered
    if asked is None or asked.reason.rpartition("；")[2] != _TOLD or entry_id not in spec.answers \
            or recent(ctx.session, "topic", within=1) != entry_id:
        return False
    said = len(ctx.reply.messages)
    beside(ctx, entry_id)
    return len(ctx.reply.messages) > said


def as_told(ctx: TurnContext, result: Result) -> Result:
    """18号签收的, nothing else answered: the return question, with the days beside it."""
    spec = ctx.content.understanding.knowledge.delivered
    if result.decision is Decision.ANSWER or not spec.answers or told(spec, result.text, _today(ctx)) is None:
        return result
    topic = str(recent(ctx.session, "topic") or "")
    entry = topic if topic in spec.answers else spec.answers[0]
    return replace(result, decision=Decision.ANSWER, answers=[entry], near_miss=False, suggestion="",
                   reason=f"{result.reason}；{_TOLD}")
