"""Is what the customer said at "what should I call you" a name?

Only a plausible name is kept: short, not a question, not a yes/no/greeting or any other intent, not
something the knowledge base answers with every word of it. 叫我小雨 / 我是小雨 / 小雨就行 are understood as
小雨; 我是敏感肌 is not a name (敏感肌 is what the knowledge base talks about), nor is 好, 你好呀,
优惠卷怎么用不了.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.understanding.analysis import NEGATED
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses

LONGEST = 8  # characters: 小雨, 阿美, Lily, 王女士 — a sentence is not a name
_FRAMED = re.compile(r"^(?:你可以|可以|就|直接)?(?:叫我|喊我|我叫|我是|称呼我|我的名字是|名字是)")
_TOLD = re.compile(r"^(?:你可以|可以|就|直接)?(?:叫我|喊我|我叫|称呼我|我的名字是|名字是)")
_TRAILING = re.compile(r"(?:就行|就好|就可以|即可|吧|哦|呀|啦|呢|哈|嘛)+$")


def name_in(result: Result, understand: Callable[[str], Result]) -> str | None:
    """The name the customer gave, or None when the reply is something else."""
    text = result.normalized
    framed = _FRAMED.match(text)
    parts = clauses(result.text)
    if framed and len(parts) > 1:  # 叫我小鹿 学生党: the name is the first clause's, the rest is about her
        first = understand(parts[0])
        if _FRAMED.match(first.normalized):
            result, text = first, first.normalized
            framed = _FRAMED.match(text)
    if not text or "?" in result.text or "？" in result.text or (result.question and not framed):
        return None  # (你可以叫我Lily reads as a question only because of 可以: the name inside decides)
    name = _TRAILING.sub("", text[framed.end():] if framed else text)
    if not name or len(name) > LONGEST or name.isdigit():
        return None
    if result.intents or (not framed and _talks_about(result)):
        return None  # 好, 不用, 在吗, 干皮, 我是学生 (self_intro): an answer of another kind
    inner = understand(name) if framed else result
    if inner.intents or _talks_about(inner) or inner.question:
        return None  # 我是敏感肌, 叫我好的: framed, but no name inside
    if not _all_named(inner, name):
        return None  # 但是我不懂护肤, 你猜, 还没想好: a sentence (filler words, a negation), not a name
    return _original(result.text, name)


def told_name(result: Result, understand: Callable[[str], Result]) -> str | None:
    """A name the customer gave without being asked, in words that can mean nothing else: 叫我小雨, 我叫小雨
    (not 我是…: 我是学生 is no name)."""
    if not _TOLD.match(result.normalized):
        return None
    return name_in(result, understand)


def _all_named(reading: Result, name: str) -> bool:
    """Every character of the name is in a content word, none negated: a name holds no filler word (我, 但是,
    也), no negation and no question cue. (Lengths, not characters: a synonym is read as its group's first
    word, of the same length or close to it.)"""
    if any(word.startswith(NEGATED) for word in reading.words):
        return False
    return sum(len(word) for word in reading.words) >= len(name)


def _talks_about(result: Result) -> bool:
    """The knowledge base answers the reply with every word of it (干皮, 敏感肌), not just one character a
    name happens to share with a phrasing (小美: 小 as in 小的)."""
    if result.decision is Decision.MISS:
        return False
    shared = set(result.candidates[0].evidence) if result.candidates else set()
    return not shared or all(word in shared for word in result.words)


def _original(text: str, name: str) -> str:
    """The name as the customer typed it (Lily, not lily; 甜甜, which normalising made 甜), when it can be found."""
    compact = re.sub(r"\s+", "", text)
    found = re.search("".join(re.escape(char) + "+" for char in name), compact, flags=re.IGNORECASE)
    return found.group(0) if found else name
