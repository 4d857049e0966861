"""Rules that need memory: flood (N messages in T seconds from one sender in one group) and the same text
posted by one sender into several groups within minutes. State lives in the Store as sliding windows
(`Store.window_add`) keyed by message time, so tests drive it with any clock and nothing grows forever.
"""

from __future__ import annotations

import hashlib
import itertools

from bot.moderation.message import Evidence, Message
from bot.moderation.spec import Flood, Repeat
from bot.store.base import Store

PREFIX = "siyu:mod:"
_sequence = itertools.count()


def flood_key(chat_id: str, sender: str) -> str:
    return f"{PREFIX}flood:{chat_id}:{sender}"


def repeat_key(sender: str, compact: str) -> str:
    digest = hashlib.sha1(compact.encode("utf-8")).hexdigest()[:16]
    return f"{PREFIX}repeat:{sender}:{digest}"


class Activity:
    def __init__(self, store: Store, flood: Flood | None, repeat: Repeat | None) -> None:
        self.store = store
        self.flood = flood
        self.repeat = repeat

    async def observe(self, message: Message, compact: str, now: float) -> list[Evidence]:
        """Record the message and return the stateful evidence it completes (empty when none)."""
        if not message.sender or not message.chat_id:
            return []
        now_ms = int(now * 1000)
        found: list[Evidence] = []
        if self.flood is not None:
            member = message.msgid or f"{now_ms}:{next(_sequence)}"
            window_ms = int(self.flood.seconds * 1000)
            count = await self.store.window_add(flood_key(message.chat_id, message.sender), member, now_ms,
                                                window_ms)
            if count >= self.flood.messages:
                found.append(Evidence("flood", self.flood.category, self.flood.weight,
                                      f"{count} 条/{self.flood.seconds:g} 秒", "",
                                      f"同一个人在本群 {self.flood.seconds:g} 秒内发了 {count} 条"
                                      f"（上限 {self.flood.messages - 1}）"))
        if self.repeat is not None and len(compact) >= self.repeat.min_length:
            window_ms = int(self.repeat.minutes * 60_000)
            groups = await self.store.window_add(repeat_key(message.sender, compact), message.chat_id, now_ms,
                                                 window_ms)
            if groups >= self.repeat.groups:
                found.append(Evidence("repeat", self.repeat.category, self.repeat.weight,
                                      f"{groups} 个群/{self.repeat.minutes:g} 分钟", message.text[:40],
                                      f"同一段话 {self.repeat.minutes:g} 分钟内发到了 {groups} 个群"))
        return found
