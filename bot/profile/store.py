"""Profiles in the store: one JSON value per customer, edited under a per-customer lock.

Everyone that changes a profile (the engine during a turn, the gateway on contact events, the tag sync)
does it inside `Profiles.edit(customer)`, so concurrent writers never lose each other's changes. A save that
changed the tags puts the customer on the tag feed (`siyu:tags:dirty`), which the tag sync drains.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.profile.model import Profile
from bot.store.base import Store

PROFILE_TTL_MS = 400 * 24 * 3600 * 1000  # a customer who comes back within a year is remembered
LOCK_TTL_MS = 15_000
TAGS_DIRTY = "siyu:tags:dirty"  # customers whose tags changed since the tag sync last pushed them
STAFFED = "siyu:profile:staffed"  # customers with at least one staff relation: what a reconcile visits


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

    @asynccontextmanager
    async def edit(self, customer: str) -> AsyncIterator[Profile]:
        """Lock, load, let the caller change it, save. Nothing is saved if the block raises."""
        lock, owner = f"siyu:lock:profile:{customer}", uuid.uuid4().hex
        deadline = time.monotonic() + self.wait_s
        while not await self.store.acquire(lock, owner, LOCK_TTL_MS):
            if time.monotonic() > deadline:
                raise ProfileBusy(f"profile lock of {customer} is held")
            await asyncio.sleep(0.02)
        try:
            profile = await self.load(customer)
            before_rev, before_staff = profile.tag_rev, bool(profile.staff)
            yield profile
            await self._save(profile, tags_changed=profile.tag_rev != before_rev,
                             staff_changed=bool(profile.staff) != before_staff)
        finally:
            await self.store.release(lock, owner)

    async def _save(self, profile: Profile, *, tags_changed: bool, staff_changed: bool) -> None:
        await self.store.set(self.key(profile.customer), profile.to_json(), ttl_ms=PROFILE_TTL_MS)
        if tags_changed:
            await self.store.zadd(TAGS_DIRTY, profile.customer, 0.0)  # 0: due at once, whatever the clock
        if staff_changed:
            if profile.staff:
                await self.store.hset(STAFFED, {profile.customer: "1"})
            else:
                await self.store.hset(STAFFED, {profile.customer: ""})

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
