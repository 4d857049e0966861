"""Profiles in the store: one JSON value per customer, changed only under the customer's lock.

The customer's lock (`siyu:lock:customer:<customer>`) is the one lock of everything about a customer: the
engine holds it for a whole turn (it covers every conversation the customer has), and every other writer
(the gateway on contact events, the tag sync, orders, follow-ups) holds it around its read-modify-write,
through `Profiles.edit(customer)`. Taking it reads the profile in the same store call, and the save and
the release are one store call too (`Store.lock_and_get`, `Store.commit_and_release`). A save that changed
the tags puts the customer on the tag feed (`siyu:tags:dirty`), which the tag sync drains.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.conversation import ConversationBusy
from bot.profile.model import Profile
from bot.store.base import Store, Writes
from bot.store.codec import dumps
from bot.store.tokens import unique_token
from bot.store.unreadable import read_record

PROFILE_TTL_MS = 400 * 24 * 3600 * 1000  # default retention (SIYU_RETAIN_PROFILES): renewed by every write
LOCK_TTL_MS = 4_000  # a turn takes milliseconds; a process that dies holding it holds the customer up this long
LOCK_WAIT_S = 10.0  # then the caller raises ProfileBusy and its event is retried later
TAGS_DIRTY = "siyu:tags:dirty"  # customers whose tags changed since the tag sync last pushed them
STAFFED = "siyu:profile:staffed"  # customers with at least one staff relation: what a reconcile visits
SALVAGED = ("opted_out_at", "churned_at", "first_seen")  # kept from a profile that is no longer JSON
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
    return dumps({k: v for k, v in vars(profile).items() if k not in ("last_seen", "applied")}, sort_keys=True)


class ProfileBusy(ConversationBusy):
    """Another writer holds this customer's lock for too long; the caller's event is retried later."""


@dataclass(frozen=True)
class Held:
    """The customer's lock, taken, and the values read with it."""

    lock: str
    owner: str
    values: list[str | None]


class Profiles:
    def __init__(self, store: Store, *, wait_s: float = LOCK_WAIT_S, ttl_ms: int = PROFILE_TTL_MS) -> None:
        self.store = store
        self.wait_s = wait_s
        self.ttl_ms = ttl_ms

    @staticmethod
    def key(customer: str) -> str:
        return f"siyu:profile:{customer}"

    @staticmethod
    def lock_key(customer: str) -> str:
        """The customer's lock. The engine holds it for a whole turn (it covers the conversation too)."""
        return f"siyu:lock:customer:{customer}"

    @staticmethod
    def decode(raw: str | None, customer: str, writes: Writes | None = None) -> Profile:
        """Read as far as it can be (bot/store/unreadable.py); a profile that is no JSON object starts fresh but
        keeps the opt-out and churn times its text still shows: 别推了 must survive a corrupted record."""
        profile = read_record(Profile, Profiles.key(customer), raw, writes, fresh={"customer": customer},
                              salvage=SALVAGED)
        profile.customer = profile.customer or customer
        return profile

    async def load(self, customer: str) -> Profile:
        """Read without the lock (for reports and decisions that change nothing)."""
        return self.decode(await self.store.get(self.key(customer)), customer)

    # -- the customer's lock ---------------------------------------------------------------------
    async def lock(self, customer: str, *keys: str, busy: type[ProfileBusy] = ProfileBusy) -> Held:
        """Take the customer's lock and read `keys` in the same store call; waits up to wait_s."""
        lock, owner = self.lock_key(customer), unique_token()
        deadline = time.monotonic() + self.wait_s
        while True:
            taken, values = await self.store.lock_and_get_many(lock, owner, LOCK_TTL_MS, keys)
            if taken:
                return Held(lock, owner, values)
            if time.monotonic() > deadline:
                raise busy(f"the lock of customer {customer} is held")
            await asyncio.sleep(0.02)

    async def release(self, held: Held) -> None:
        """Give the lock back without writing (the holder failed: its own error is the one to report)."""
        with contextlib.suppress(Exception):
            await self.store.release(held.lock, held.owner)

    @asynccontextmanager
    async def edit(self, customer: str) -> AsyncIterator[Profile]:
        """Lock and load, let the caller change it, save and unlock: two store calls. Nothing is saved if
        the block raises."""
        held = await self.lock(customer, self.key(customer))
        writes = Writes()  # a record that could not be read is kept first (bot/store/unreadable.py)
        try:
            profile = self.decode(held.values[0], customer, writes)
            before = Snapshot.of(profile)
            yield profile
        except BaseException:
            await self.release(held)
            raise
        self.write(writes, profile, before)
        await self.store.commit_and_release(held.lock, held.owner, writes)

    def write(self, writes: Writes, profile: Profile, before: Snapshot) -> None:
        """Add the profile's save to a batch (the caller holds the customer's lock); `before` is how it was
        loaded. A turn that only moved last_seen by less than TOUCH_S writes nothing: most turns of a
        conversation change no fact."""
        if profile.last_seen - before.last_seen < TOUCH_S and _facts(profile) == before.facts:
            return
        writes.set(self.key(profile.customer), profile.to_json(), ttl_ms=self.ttl_ms)
        if profile.tag_rev != before.tag_rev:
            writes.zadd(TAGS_DIRTY, profile.customer, 0.0)  # 0: due at once, whatever the clock
        if bool(profile.staff) != before.staffed:
            writes.hset(STAFFED, profile.customer, "1" if profile.staff else "")

    # -- the tag feed ----------------------------------------------------------------------------
    async def mark_dirty(self, customer: str, due: float = 0.0) -> None:
        await self.store.zadd(TAGS_DIRTY, customer, due)

    async def dirty(self, now: float, limit: int = 100) -> list[str]:
        return [member for member, _ in await self.store.zdue(TAGS_DIRTY, now, limit)]

    async def clean(self, customer: str) -> None:
        await self.store.zrem(TAGS_DIRTY, customer)

    async def staffed(self) -> list[str]:
        """Customers that have a staff relation, for a full reconcile."""
        return sorted(c for c, flag in (await self.store.hgetall(STAFFED)).items() if flag)

    async def prune_staffed(self) -> int:
        """Forget the customers whose last staff relation went (their field is kept empty until now)."""
        gone = [c for c, flag in (await self.store.hgetall(STAFFED)).items() if not flag]
        return await self.store.hdel(STAFFED, *gone) if gone else 0
