"""The tag sync as the rest of the bot sees it: relation events, the pump, the reconcile of `siyu sync-tags`.

Work on one customer (push or pull) holds that customer's tag lease, so several processes never interleave
on them. The pump drains the profile's tag feed (`siyu:tags:dirty`): a push that fails in a way worth
retrying (-1 busy, 45033/45009 limits, no answer) puts the customer back with a growing delay and the
error in `siyu:log:tagsync`; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.content.durations import human_duration
from bot.conversation import ConversationBusy
from bot.loops import pause
from bot.profile.codebook import Codebook
from bot.profile.store import STAFFED, Profiles
from bot.protocol.api import WeComAPI, WeComError, is_transient
from bot.store.base import Store
from bot.store.tokens import unique_token
from bot.tagsync.library import LibraryReport, TagLibrary
from bot.tagsync.pull import PullOutcome, TagPuller
from bot.tagsync.push import PushOutcome, TagPusher

log = logging.getLogger(__name__)

TAGSYNC_LOG = "siyu:log:tagsync"
ATTEMPTS = "siyu:tags:attempts"
LEASE_MS = 60_000
MAX_DELAY_S = 3600.0
LIBRARY_STALE = "siyu:tags:library_stale"  # a change_external_tag came: the pump reads our tag ids again
LIBRARY_STALE_TTL_MS = 7 * 24 * 3600 * 1000  # a mark no pump ever took (no serve running) does not linger
RETRY_LIBRARY_S = 30.0


class Busy(ConversationBusy):
    """Another process is working on this customer's tags (a queued event waits and tries again)."""


@dataclass
class ReconcileReport:
    library: LibraryReport
    customers: int = 0
    adopted: list[str] = field(default_factory=list)  # changes staff made, now in the profiles
    marked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class TagSync:
    def __init__(self, store: Store, api: WeComAPI, codebook: Callable[[], Codebook], *,
                 clock: Callable[[], float] = time.time, profiles: Profiles | None = None) -> None:
        self.store = store
        self.profiles = profiles or Profiles(store)
        self.library = TagLibrary(store)
        self.pusher = TagPusher(self.profiles, self.library, api)
        self.puller = TagPuller(self.profiles, self.library, api)
        self.api = api
        self.codebook = codebook
        self.clock = clock
        self._owner = uuid.uuid4().hex
        self._library_retry_at = 0.0  # after a busy WeCom, the library is read again from then on

    @asynccontextmanager
    async def _lease(self, customer: str, wait_s: float = 10.0) -> AsyncIterator[None]:
        key = f"siyu:lock:tagsync:{customer}"
        deadline = time.monotonic() + wait_s
        while not await self.store.acquire(key, self._owner, LEASE_MS):
            if time.monotonic() > deadline:
                raise Busy(customer)
            await asyncio.sleep(0.05)
        try:
            yield
        finally:
            await self.store.release(key, self._owner)

    # -- one customer ----------------------------------------------------------------------------
    async def push(self, customer: str, wait_s: float = 10.0) -> PushOutcome:
        async with self._lease(customer, wait_s):
            outcome = await self.pusher.push(customer, self.codebook())
        if outcome.missing_in_wecom:
            await self._note(customer, f"not in WeCom yet (run siyu sync-tags): {outcome.missing_in_wecom}")
        return outcome

    async def pull(self, customer: str) -> PullOutcome:
        async with self._lease(customer):
            return await self.puller.pull(customer, self.codebook())

    # -- what the gateway reports ----------------------------------------------------------------
    async def relation_added(self, customer: str, userid: str) -> None:
        """add_external_contact: a new staff relation (the tags a kf-only customer kept can go there now)."""
        async with self.profiles.edit(customer) as profile:
            profile.staff.setdefault(userid, [])
        await self.pull(customer)  # what the relation already has, then our tags on the way out
        await self.profiles.mark_dirty(customer)

    async def relation_removed(self, customer: str, userid: str) -> None:
        async with self.profiles.edit(customer) as profile:
            profile.staff.pop(userid, None)

    async def staff_edited(self, customer: str) -> None:
        """edit_external_contact: a staff member changed the customer (tags among it): let it flow back."""
        await self.pull(customer)

    async def library_changed(self) -> None:
        """change_external_tag: someone changed the corp's tags. Marked, not read at once: an admin who edits
        fifty tags sends fifty events, and the pump reads the library once for all of them."""
        await self.store.set(LIBRARY_STALE, unique_token(), ttl_ms=LIBRARY_STALE_TTL_MS)

    async def refresh_library_if_stale(self) -> bool:
        """Read our tag ids again when a change_external_tag came since the last read; True when read.

        WeCom busy or silent: the mark stays and the next pass tries again (after RETRY_LIBRARY_S). Refused
        for good (no permission, say): noted in the tag-sync log; the ids read before stay in use, and the
        next event or `siyu sync-tags` reads them."""
        mark = await self.store.get(LIBRARY_STALE)
        if mark is None or self.clock() < self._library_retry_at:
            return False
        try:
            await self.library.refresh(self.api, self.codebook())
        except WeComError as error:
            if is_transient(error):
                self._library_retry_at = self.clock() + RETRY_LIBRARY_S
                log.warning("tag library not read again (errcode %s); retrying in %s", error.errcode,
                            human_duration(RETRY_LIBRARY_S))
                return False
            await self._note("", f"tag library not read again: {error.endpoint} errcode {error.errcode}")
            log.warning("change_external_tag: reading the tag library was refused (errcode %s); noted in %s",
                        error.errcode, TAGSYNC_LOG)
        self._library_retry_at = 0.0
        await self.store.release(LIBRARY_STALE, mark)  # kept when another change came during the read
        return True

    # -- the pump --------------------------------------------------------------------------------
    async def pump_once(self, limit: int = 50) -> int:
        """Read the tag library again if it changed, then push every customer whose tags changed; returns
        how many customers were done."""
        await self.refresh_library_if_stale()
        done = 0
        for customer in await self.profiles.dirty(self.clock(), limit):
            try:
                outcome = await self.push(customer, wait_s=0)
            except Busy:
                continue
            except WeComError as error:
                await self._retry_later(customer, f"{error.endpoint} errcode {error.errcode}")
                continue
            if outcome.done:
                await self.profiles.clean(customer)
                await self.store.hdel(ATTEMPTS, customer)  # kept only while pushes fail
                done += 1
        return done

    async def _retry_later(self, customer: str, why: str) -> None:
        attempts = await self.store.hincrby(ATTEMPTS, customer)
        delay = min(MAX_DELAY_S, 30.0 * 2 ** (attempts - 1))
        await self.profiles.mark_dirty(customer, self.clock() + delay)
        await self._note(customer, f"{why}; retry {attempts} in {human_duration(delay)}")
        log.warning("tag push failed (%s); retry %d in %s", why, attempts, human_duration(delay))

    async def _note(self, customer: str, what: str) -> None:
        record = {"at": round(self.clock(), 1), **({"customer": customer} if customer else {}), "what": what}
        await self.store.lpush_capped(TAGSYNC_LOG, json.dumps(record, ensure_ascii=False), 10_000)

    async def run(self, interval: float = 1.0) -> None:
        while True:
            try:
                await self.pump_once()
            except asyncio.CancelledError:
                raise
            except self.store.unavailable as error:
                log.warning("tag pump waits: the store does not answer (%s)", type(error).__name__)
            except Exception:
                log.exception("tag pump failed; retrying")
            await pause(interval)

    # -- siyu sync-tags --------------------------------------------------------------------------
    async def reconcile(self) -> ReconcileReport:
        """Create missing tags, then bring every customer with a staff relation in line with WeCom: what
        staff changed flows into the profile, what the profile has that WeCom lacks is marked."""
        report = ReconcileReport(await self.library.sync(self.api, self.codebook()))
        await self.profiles.prune_staffed()
        for customer in await self.profiles.staffed():
            if await self.store.get(self.profiles.key(customer)) is None:
                await self.store.hdel(STAFFED, customer)  # the profile outlived its retention: so does this
                continue
            report.customers += 1
            try:
                pulled = await self.pull(customer)
                pushed = await self.push(customer)
            except (WeComError, Busy) as error:
                report.failed.append(f"{customer}: {error}")
                await self.profiles.mark_dirty(customer)
                continue
            report.adopted += [f"{customer} {c}" for c in pulled.added_by_staff + pulled.removed_by_staff]
            report.marked += [f"{customer} {m}" for m in pushed.marked]
            if pushed.done:
                await self.profiles.clean(customer)
        return report
