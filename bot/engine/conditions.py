"""Conditions of flow rules (`when`): the customer's tags and opt-out (from the profile), whether she is a new
customer, the channel, the match score and the conversation's slots."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection
from typing import Any

from bot.engine.flows import When, comparison
from bot.engine.session import Session
from bot.profile.model import Profile

RETURNING = "returning"  # a persona key's variant for a customer who is not new (faq.coupon_how.returning)
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt,
    "==": operator.eq, "!=": operator.ne,
}


def holds(when: When | None, session: Session, profile: Profile, score: float = 0.0) -> bool:
    if when is None:
        return True
    tags = profile.tags
    if when.tags_any and not any(t in tags for t in when.tags_any):
        return False
    if when.tags_all and not all(t in tags for t in when.tags_all):
        return False
    if any(t in tags for t in when.tags_none):
        return False
    if when.opted_out is not None and when.opted_out != profile.opted_out:
        return False
    if when.channel and session.channel not in when.channel:
        return False
    if when.customer is not None and (when.customer == "returning") != returning(profile):
        return False
    if when.score is not None and not compare(score, when.score):
        return False
    return all(_slot_holds(session.slots.get(name), expected) for name, expected in when.slot.items())


def returning(profile: Profile, purchase_tags: Collection[str] = ()) -> bool:
    """Not a new customer: she bought before (an order; a purchase tag, once recorded or among `purchase_tags`) or
    this is not her first session (profile.sessions counts them, knowledge/policy.yaml `session_gap`)."""
    return profile.purchased or profile.sessions > 1 or any(tag in profile.tags for tag in purchase_tags)


def compare(value: Any, spec: str) -> bool:
    parsed = comparison(spec)
    if parsed is None:
        return False
    try:
        return _COMPARE[parsed[0]](float(value), parsed[1])
    except (TypeError, ValueError):
        return False


def _slot_holds(value: Any, expected: Any) -> bool:
    """`set` / `unset`, a comparison (">= 2"), or equality; a slot holding a list (wrote_first) holds a value when
    the value is in the list."""
    if expected == "set":
        return value not in (None, "")
    if expected == "unset":
        return value in (None, "")
    if isinstance(expected, str) and comparison(expected) is not None:
        return compare(0 if value is None else value, expected)
    if isinstance(value, list | tuple):
        return expected in value
    return bool(value == expected)
