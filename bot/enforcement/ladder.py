"""The strike ladder: a customer's violations across every group, counted within a window.

Strikes live in one sorted set per customer (`siyu:strikes:<external_userid>`, member = the message's
strike id, score = when it was sent, in ms), so a redelivered message never strikes twice and a strike in
any group counts in all of them. The set is the store's sliding window (`window_add`): under a
per-customer lease a new strike is added, strikes older than the window are dropped, the count decides
the step, and the set expires a window after the customer's last strike. The step taken for a message
is stored with it, so a redelivery takes the same actions again (each of them idempotent) rather than
the next step.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

from bot.groups.spec import Action, Ladder
from bot.store.base import Store
from bot.store.unreadable import keep

LEASE_MS = 10_000
DECISION_TTL_MS = 40 * 24 * 3600 * 1000  # longer than any redelivery


def strikes_key(customer: str) -> str:
    return f"siyu:strikes:{customer}"


def decision_key(strike_id: str) -> str:
    """The step taken for one strike (source:msgid), kept for redeliveries."""
    return f"siyu:strike:decided:{strike_id}"


@dataclass(frozen=True)
class Step:
    strike: int  # this violation's number within the window (1 = first)
    severe: bool
    actions: tuple[Action, ...]


def actions_for(ladder: Ladder, strike: int, severe: bool, suggested: str) -> tuple[Action, ...]:
    """The actions of a strike: the severe step, or step N (the last repeats), plus what the detector
    suggests for the category (remove → at least ask for removal)."""
    if severe:
        return tuple(dict.fromkeys(ladder.severe))
    step = list(ladder.steps[min(strike, len(ladder.steps)) - 1])
    if suggested == "remove" and "ask_removal" not in step:
        step.append("ask_removal")
    return tuple(dict.fromkeys(step))


class Strikes:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.owner = uuid.uuid4().hex

    async def strike(self, customer: str, strike_id: str, at: float, ladder: Ladder, *, severe: bool,
                     suggested: str) -> Step:
        decided = decision_key(strike_id)
        lock = f"{strikes_key(customer)}:lock"
        for _ in range(1000):
            if await self.store.acquire(lock, self.owner, LEASE_MS):
                break
            await asyncio.sleep(0.01)
        else:
            raise TimeoutError(f"strike lease of {customer} is held elsewhere")
        try:
            known = await self.store.get(decided)
            if known:
                try:
                    data = json.loads(known)
                    return Step(int(data["strike"]), bool(data["severe"]), tuple(data["actions"]))
                except (ValueError, TypeError, KeyError) as error:  # failing, the message failed for good
                    await keep(self.store, decided, f"a decision that cannot be read: {error!r}", known,
                               "decided again (the strike itself is counted once)")
            # the store's sliding window: strikes older than the window go, and the set itself expires a
            # window after the customer's last strike (nothing about them outlives it)
            window_ms = int(ladder.window_days * 86400 * 1000)
            count = await self.store.window_add(strikes_key(customer), strike_id, int(at * 1000), window_ms)
            step = Step(max(1, count), severe, actions_for(ladder, max(1, count), severe, suggested))
            record = {"strike": step.strike, "severe": severe, "actions": list(step.actions)}
            await self.store.set(decided, json.dumps(record), ttl_ms=DECISION_TTL_MS)
            return step
        finally:
            await self.store.release(lock, self.owner)

    async def history(self, customer: str) -> list[tuple[str, float]]:
        """(strike id, sent at in epoch seconds), oldest first."""
        strikes = await self.store.zdue(strikes_key(customer), float("inf"), 10_000)
        return [(strike, ms / 1000) for strike, ms in strikes]
