"""A question all in English (do you ship to hong kong?): the bot reads Chinese and says so (persona
`foreign_language`) — unless the English names a topic the knowledge base answers outright. Its words that
matching.yaml's `language.english` lists (ship → 发货, hong kong → 香港, refund → 退款; whole words, any case) are
read in Chinese, the rest left out; when that reading is answered outright (no numbered choice, no "did you mean",
no guess), a short English line says the answer is in Chinese (persona `foreign_language.answered`) and the answer
follows. Anything else still gets `foreign_language` (QA round 16: an honest answer beats "only Chinese" when the
topic is plain, and nothing is made up when it is not)."""

from __future__ import annotations

import re

from bot.engine import replies
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result

ANSWERED = "foreign_language.answered"  # persona: the answer below is in Chinese (optional)
_NOT_LETTER = re.compile(r"[^a-z0-9?？]+")


def answered(ctx: TurnContext, result: Result) -> bool:
    table = ctx.content.understanding.knowledge.language.english
    if not table or not ctx.persona.has(ANSWERED):
        return False
    said = in_chinese(result.text, table)
    if not said:
        return False
    reading = ctx.content.understanding.understand(said)
    if reading.decision is not Decision.ANSWER or not reading.answers or reading.near_miss:
        return False
    ctx.why.append(f"整句是英文，说到的词读成“{said}”：{reading.reason}；用中文回答，先说一句英文")
    ctx.say(ANSWERED)
    for entry in reading.answers:
        replies.answer(ctx, entry, asked=reading)
    return True


def in_chinese(text: str, table: dict[str, str]) -> str:
    """The table's Chinese for the English words and phrases the text says (whole, any case), in the order said,
    with its question mark; "" when it says none."""
    plain = f" {_NOT_LETTER.sub(' ', text.lower()).replace('?', ' ? ').replace('？', ' ? ')} "
    found: list[tuple[int, str]] = []
    for english in sorted(table, key=len, reverse=True):
        phrase = f" {' '.join(english.lower().split())} "
        if not phrase.strip():
            continue  # the schema refuses a blank entry; found anywhere, it would be replaced by itself for ever
        at = plain.find(phrase)
        while at >= 0:
            found.append((at, table[english]))
            plain = plain[:at] + " " + "\0" * (len(phrase) - 2) + " " + plain[at + len(phrase):]
            at = plain.find(phrase)
    if not found:
        return ""
    return "".join(word for _, word in sorted(found)) + ("吗" if " ? " in plain else "")
