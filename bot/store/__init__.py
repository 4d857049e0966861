"""State storage: one interface, a Redis backend and an embedded in-memory backend."""

from bot.store.base import Entry, GroupMissing, Store

__all__ = ["Entry", "GroupMissing", "Store"]
