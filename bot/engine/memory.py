"""The conversation's short-term memory: what it is about, for short follow-ups (engine/followup.py).

session.context keeps, each with the turn it happened on:
- product: the product last recommended (engine/sales.py), named by the customer, or named in full by the FAQ
  answer just given (engine/replies.py: 我们的水杨酸控痘精华适合闭口粉刺, then 怎么用) — unless another was
  recommended within RECENT turns (`recommended`): 这个会不会闷痘 right after 舒缓修护精华 is about it, and the
  acne answer that names the salicylic serum does not make 怎么用 next about that one;
- topic: the FAQ entry last answered;
- choice: the two entries of a numbered clarifying question, answerable with 1 or 2.
An item is recent for RECENT turns after the one it was remembered on.
"""

from __future__ import annotations

from typing import Any

from bot.engine.session import Session
from bot.understanding.matcher import Result

ASKED = "asked"  # context: the question the last answer answered, as read (那A醇呢 asks it again)
RECENT = 3  # turns during which a product or an answered topic is what a short follow-up is about
_FIRST = {"1", "一", "第一", "第一个", "第1个", "前面那个", "前一个", "上面那个"}
_SECOND = {"2", "二", "第二", "第二个", "第2个", "后面那个", "后一个", "下面那个"}


def remember(session: Session, name: str, value: Any) -> None:
    session.context[name] = {"value": value, "turn": session.turns}


def recent(session: Session, name: str, within: int = RECENT) -> Any:
    item = session.context.get(name)
    if not isinstance(item, dict) or session.turns - int(item.get("turn", -RECENT - 1)) > within:
        return None
    return item.get("value")


def answered_last_turn(session: Session) -> bool:
    """The bot's last turn (not this one) answered an FAQ question."""
    item = session.context.get("topic")
    return isinstance(item, dict) and session.turns - int(item.get("turn", -RECENT - 1)) == 1


def chosen(session: Session, result: Result) -> str | None:
    """The entry picked from the numbered choice offered on the turn before, if this reply picks one."""
    offered = recent(session, "choice", within=1)
    if not offered or len(offered) < 2:
        return None
    text = result.normalized
    if text in _FIRST:
        return str(offered[0])
    if text in _SECOND:
        return str(offered[1])
    return None


def later(session: Session, name: str, other: str) -> bool:
    """Context `name` is recent and was set on the same turn as `other` or after it."""
    mine, theirs = session.context.get(name), session.context.get(other)
    if recent(session, name) is None or not isinstance(mine, dict):
        return False
    return not isinstance(theirs, dict) or int(mine.get("turn", 0)) >= int(theirs.get("turn", 0))
