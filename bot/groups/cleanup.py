"""What the registry lets go of: a dismissed group's keys, once its retention is over, and one customer's
place in every member list (`siyu forget`).

A live group is kept as long as it lives (the registry mirrors WeCom). A dismissed group has no members
any more (they are dropped at dismissal) but keeps its facts and counts, for `siyu groups stats`, until
`SIYU_RETAIN_SESSIONS` after its dismissal; then the janitor deletes it.
"""

from __future__ import annotations

from bot.groups.registry import DISMISSED_INDEX, INDEX, Registry, group_key, members_key
from bot.groups.stats import group_stats_key, incidents_key
from bot.store.base import Store


def group_keys(chat_id: str) -> list[str]:
    return [group_key(chat_id), members_key(chat_id), group_stats_key(chat_id), incidents_key(chat_id),
            f"{group_key(chat_id)}:notcustomer"]


async def drop_dismissed(store: Store, before: float, limit: int = 500) -> int:
    """Delete the groups dismissed before `before` (epoch seconds); returns how many."""
    dropped = 0
    for chat_id, _ in await store.zdue(DISMISSED_INDEX, before, limit):
        await store.delete(*group_keys(chat_id))
        await store.zrem(INDEX, chat_id)
        await store.zrem(DISMISSED_INDEX, chat_id)
        dropped += 1
    return dropped


async def forget_member(registry: Registry, userid: str) -> int:
    """Take one person out of every group's member list; returns in how many groups they were.

    The registry mirrors WeCom: a customer still in a group is listed again by the next reconcile.
    """
    found = 0
    for chat_id in await registry.chat_ids():
        found += int(await registry.remove_member(chat_id, userid))
    return found
