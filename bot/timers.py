"""Durable timers: a sorted set in the store, due time as score. Shared by the engine (which sets and
cancels them) and the gateway (whose pump turns due timers into queued events). The gateway's own wake-ups (the
held kf welcome, bot/gateway/kf_welcome.py) are a sorted set of their own, with a pump of their own."""

from __future__ import annotations

import json
from typing import Any

from bot.store.base import Store
from bot.store.unreadable import keep

TIMERS_KEY = "siyu:timers"


class Timers:
    def __init__(self, store: Store, key: str = TIMERS_KEY) -> None:
        self.store = store
        self.key = key

    @staticmethod
    def member(data: dict[str, Any]) -> str:
        """The sorted-set member that stands for a timer (its data, canonically encoded)."""
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    async def schedule(self, due: float, data: dict[str, Any]) -> str:
        member = self.member(data)
        await self.store.zadd(self.key, member, due)
        return member

    async def cancel(self, member: str) -> None:
        await self.store.zrem(self.key, member)

    async def due(self, now: float, limit: int = 200) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for member, _ in await self.store.zdue(self.key, now, limit):
            try:
                data = json.loads(member)
            except ValueError:
                data = None
            if isinstance(data, dict) and data.get("token") and data.get("conv"):
                found.append((member, data))
            else:  # not ours, or from another version: never let it block the pump; kept for the operator
                why = "no JSON object" if not isinstance(data, dict) else "no token or conversation"
                await keep(self.store, self.key, f"a timer with {why}", member, "dropped, it cannot fire")
                await self.cancel(member)
        return found
