"""Every decision the policy made for a customer, newest first: `siyu why CUSTOMER`, `/debug`, tests."""

from __future__ import annotations

import json
from typing import Any

from bot.store.base import Store, Writes
from bot.store.codec import dumps

KEPT = 10  # about 5 KB per customer who had decisions; the latest are what an operator asks about
TTL_MS = 180 * 24 * 3600 * 1000
ACTIONS = {"recommend": "推荐", "ask_first": "先问一个问题", "light": "轻轻提一次", "hold": "不推荐"}


class Journal:
    """A capped list per customer, newest first: the engine adds to it in its turn's write batch."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def key(customer: str) -> str:
        return f"siyu:why:{customer}"

    async def read(self, customer: str) -> list[dict[str, Any]]:
        return [json.loads(raw) for raw in await self.store.lrange(self.key(customer), 0, KEPT - 1)]

    def add(self, writes: Writes, customer: str, records: list[dict[str, Any]]) -> None:
        """Add decisions (oldest first) to a write batch; the caller holds the customer's lock."""
        key = self.key(customer)
        for record in records:
            writes.lpush_capped(key, dumps(record), KEPT)
        if records:
            writes.pexpire(key, TTL_MS)

    async def record(self, customer: str, records: list[dict[str, Any]]) -> None:
        """Add decisions (oldest first) in one store call, for a writer outside an engine turn."""
        writes = Writes()
        self.add(writes, customer, records)
        await self.store.apply(writes)


def describe(record: dict[str, Any]) -> list[str]:
    """A decision as lines an operator reads."""
    action = ACTIONS.get(str(record.get("action")), str(record.get("action")))
    head = f"{action}"
    if record.get("product"):
        head += f" {record['product']}"
    if record.get("question"):
        head += f"（问 {record['question']}）"
    head += f"  需求分 {record.get('need', 0)}"
    if record.get("trigger"):
        head += f"  由 {record['trigger']} 询问"
    lines = [head]
    lines += [f"  因为: {reason}" for reason in record.get("reasons", [])]
    evidence = record.get("evidence", [])
    if evidence:
        lines.append("  证据: " + "；".join(f"{kind} {float(weight):+g} {detail}" for kind, weight, detail in evidence))
    return lines
