"""Profiles in the store: one JSON value per customer, edited under a per-customer lock.

Everyone that changes a profile (the engine during a turn, the gateway on contact events, the tag sync)
does it inside `Profiles.edit(customer)`, so concurrent writers never lose each other's changes. A save that
changed the tags puts the customer on the tag feed (`siyu:tags:dirty`), which the tag sync drains.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.profile.model import Profile
from bot.store.base import Store

PROFILE_TTL_MS = 400 * 24 * 3600 * 1000  # a customer who comes back within a year is remembered
LOCK_TTL_MS = 15_000
TAGS_DIRTY = "siyu:tags:dirty"  # customers whose tags changed since the tag sync last pushed them
STAFFED = "siyu:profile:staffed"  # customers with at least one staff relation: what a reconcile visits


TOUCH_S = 60.0  # last_seen alone is written at most this often (it only feeds 30-minute session gaps)


@dataclass(frozen=True)
class Snapshot:
    """How a profile was loaded: what a save compares against."""

    tag_rev: int
    staffed: bool
    last_seen: float
    facts: str  # everything but last_seen and the applied events

    @classmethod
    def of(cls, profile: Profile) -> Snapshot:
        return cls(profile.tag_rev, bool(profile.staff), profile.last_seen, _facts(profile))


def _facts(profile: Profile) -> str:
    return json.dumps({k: v for k, v in vars(profile).items() if k not in ("last_seen", "applied")},
                      ensure_ascii=False, sort_keys=True)


class ProfileBusy(RuntimeError):
    """Another writer holds this customer's profile for too long; the caller retries later."""


class Profiles:
    def __init__(self, store: Store, *, wait_s: float = 10.0) -> None:
        self.store = store
        self.wait_s = wait_s

    @staticmethod
    def key(customer: str) -> str:
        return f"siyu:profile:{customer}"

    async def load(self, customer: str) -> Profile:
        """Read without the lock (for reports and decisions that change nothing)."""
        raw = await self.store.get(self.key(customer))
        return Profile.from_json(raw) if raw else Profile(customer=customer)

    @staticmethod
    def lock_key(customer: str) -> str:
        """The customer's lock. The engine holds it for a whole turn (it covers the conversation too)."""
        return f"siyu:lock:customer:{customer}"

    @asynccontextmanager
    async def locked(self, customer: str) -> AsyncIterator[None]:
        lock, owner = self.lock_key(customer), uuid.uuid4().hex
        deadline = time.monotonic() + self.wait_s
        while not await self.store.acquire(lock, owner, LOCK_TTL_MS):
            if time.monotonic() > deadline:
                raise ProfileBusy(f"the lock of customer {customer} is held")
            await asyncio.sleep(0.02)
        try:
            yield
        finally:
            await self.store.release(lock, owner)

    @asynccontextmanager
    async def edit(self, customer: str) -> AsyncIterator[Profile]:
        """Lock, load, let the caller change it, save. Nothing is saved if the block raises."""
        async with self.locked(customer):
            profile = await self.load(customer)
            before = Snapshot.of(profile)
            yield profile
            await self.save(profile, before)

    async def save(self, profile: Profile, before: Snapshot) -> None:
        """Save (the caller holds the customer's lock); `before` is how it was loaded. A turn that only
        moved last_seen by less than TOUCH_S writes nothing: most turns of a conversation change no fact."""
        if profile.last_seen - before.last_seen < TOUCH_S and _facts(profile) == before.facts:
            return
        await self.store.set(self.key(profile.customer), profile.to_json(), ttl_ms=PROFILE_TTL_MS)
        if profile.tag_rev != before.tag_rev:
            await self.store.zadd(TAGS_DIRTY, profile.customer, 0.0)  # 0: due at once, whatever the clock
        if bool(profile.staff) != before.staffed:
            await self.store.hset(STAFFED, {profile.customer: "1" if profile.staff else ""})

    # -- the tag feed ----------------------------------------------------------------------------
    async def mark_dirty(self, customer: str, due: float = 0.0) -> None:
        await self.store.zadd(TAGS_DIRTY, customer, due)

    async def dirty(self, now: float, limit: int = 100) -> list[str]:
        return [member for member, _ in await self.store.zdue(TAGS_DIRTY, now, limit)]

    async def clean(self, customer: str) -> None:
        await self.store.zrem(TAGS_DIRTY, customer)

    async def staffed(self) -> list[str]:
        """Customers that have (or had) a staff relation, for a full reconcile."""
        return sorted(c for c, flag in (await self.store.hgetall(STAFFED)).items() if flag)
