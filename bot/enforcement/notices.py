"""Telling group owners (and alert recipients) through app messages, batched and within WeCom's limits.

WeCom delivers at most 30 app messages a minute and 1,000 an hour to one member and drops the rest
without an error, so the bot keeps its own budget per member (ladder.yaml notices.per_minute, and the
hourly cap) in shared counters and never sends past it. Notices wait per recipient in a sorted set
(`siyu:notices:<userid>`, scored by when they are due); `siyu:notices:due` says who has something due.
A non-urgent notice waits `wait_seconds` for company; alerts are due at once and go without waiting, each
with the waiting notices about the same customer (digest.py), so an owner never reads strike 1's calm advice
after strike 3's alert. When
more than `digest_after` ordinary notices are waiting, or more than the budget allows, they go as one
digest (digest.py).

Sending is issue 8's (docs/gateway.md "Sending"): the patient Sender waits out WeCom busy, rate limits and
transport failures until the notice's window closes (a day after it was due; then it is recorded as
`expired`), and a refusal that retrying cannot fix goes to the dead letters with its payload. Each
notice's state is kept in the outbox (`siyu:outbox:notice:<id>`: `sending` before the call, then `sent`,
`dead` or `expired`), so a notice WeCom took is never sent again: not after a crash between the send and
its removal from the waiting set, not when a redelivered decision adds it again. message/send takes no
msgid, so the one window left is a process dying after WeCom took a notice and before the outbox recorded
it: that notice goes out again (at most `SIYU_SEND_CONCURRENCY` per crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
import uuid
from collections.abc import Callable

from bot.enforcement.audit import Audit
from bot.enforcement.digest import ABOUT, Notice, plan
from bot.gateway.outbox import DEAD, EXPIRED, FINAL, SENDING, SENT, Outbox
from bot.gateway.sender import DEAD as DEAD_OUTCOME
from bot.gateway.sender import EXPIRED_OUTCOME, Send, Sender
from bot.groups.spec import Notices
from bot.loops import pause
from bot.store.base import Store
from bot.store.unreadable import keep

__all__ = ["DUE", "Notice", "Notifier", "notice_key", "pending_key"]

log = logging.getLogger(__name__)

DUE = "siyu:notices:due"
HOURLY_LIMIT = 1000  # WeCom: app messages to one member per hour
NOTICE_WINDOW_S = 24 * 3600.0  # an owner notice a day late is no use: give up, record it as expired
LEASE_MS = 30_000  # one process sends to a member at a time; renewed while a patient send waits
MESSAGE = "message"  # the one message of a notice, as its outbox field


def pending_key(userid: str) -> str:
    return f"siyu:notices:{userid}"


def notice_key(notice_id: str) -> str:
    """The notice's outbox event key (`siyu:outbox:notice:<id>`)."""
    return f"notice:{notice_id}"


class Notifier:
    def __init__(self, store: Store, sender: Sender, agent_id: int | None, settings: Callable[[], Notices],
                 audit: Audit, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.sender = sender
        self.outbox = Outbox(store)
        self.agent_id = agent_id
        self.settings = settings
        self.audit = audit
        self.clock = clock
        self.owner = uuid.uuid4().hex

    async def add(self, recipient: str, notice: Notice, *, urgent: bool = False) -> None:
        now = self.clock()
        due = now if urgent or notice.kind == "alert" else now + self.settings().wait_seconds
        await self.store.zadd(pending_key(recipient), notice.member(), due)
        earliest = await self.store.zdue(pending_key(recipient), float("inf"), 1)
        await self.store.zadd(DUE, recipient, earliest[0][1] if earliest else due)

    async def flush(self) -> int:
        """Send what is due for everyone, one member after the other; returns how many messages went out."""
        sent = 0
        for recipient, _ in await self.store.zdue(DUE, self.clock(), 500):
            sent += await self.flush_recipient(recipient)
        return sent

    async def flush_recipient(self, recipient: str) -> int:
        lock = f"{pending_key(recipient)}:lock"
        if not await self.store.acquire(lock, self.owner, LEASE_MS):
            return 0  # another process (or the loop) is sending to this member right now
        keeper = asyncio.create_task(self._keep(lock))
        try:
            return await self._flush(recipient)
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            await self.store.release(lock, self.owner)

    async def _keep(self, lock: str) -> None:
        while True:
            await asyncio.sleep(LEASE_MS / 3000)
            with contextlib.suppress(*self.store.unavailable):
                await self.store.renew(lock, self.owner, LEASE_MS)

    async def _readable(self, recipient: str, pending: list[tuple[str, float]]) -> list[tuple[str, float]]:
        """A waiting notice that cannot be read (another version's, a hand edit) failed every flush of its
        recipient, so none of their notices went out again: it is kept for the operator and dropped."""
        readable = []
        for member, due in pending:
            try:
                Notice.parse(member)
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                await keep(self.store, pending_key(recipient), f"a notice that cannot be read: {error!r}", member,
                           "dropped, the rest are sent")
                await self.store.zrem(pending_key(recipient), member)
                continue
            readable.append((member, due))
        return readable

    async def _flush(self, recipient: str) -> int:
        pending = await self._readable(recipient, await self.store.zdue(pending_key(recipient), float("inf"), 1000))
        now = self.clock()
        if not pending:
            await self.store.zrem(DUE, recipient)
            return 0
        if min(due for _, due in pending) > now:
            await self.store.zadd(DUE, recipient, min(due for _, due in pending))
            return 0
        if self.agent_id is None:
            for member, _ in pending:
                await self.audit.record("notice_undelivered", to=recipient, notice=Notice.parse(member).id,
                                        why="WECOM_AGENT_ID is not set")
                await self.store.zrem(pending_key(recipient), member)
            await self.store.zrem(DUE, recipient)
            log.warning("%d moderation notices not sent: WECOM_AGENT_ID is not set", len(pending))
            return 0
        states = {m: await self._state(m) for m, _ in pending}
        for member, state in states.items():
            if state in FINAL:  # WeCom took it (or it was given up) before: never again
                await self.store.zrem(pending_key(recipient), member)
        waiting = [(m, due) for m, due in pending if states[m] not in FINAL]
        due_of = dict(waiting)
        ready = {m for m, due in waiting if due <= now}  # the rest waits on for company (an alert may take some)
        budget = await self._budget(recipient, now)
        messages = plan([m for m, _ in waiting], budget, self.settings(), ready)
        sent = 0
        for members, text in messages:
            uncertain = any(states[m] == SENDING for m in members)
            sent += await self._send(recipient, members, text, min(due_of[m] for m in members), uncertain)
            for member in members:
                await self.store.zrem(pending_key(recipient), member)
        left = await self.store.zdue(pending_key(recipient), float("inf"), 1)
        if left:  # still waiting for company, or the budget ran out: then not before the next minute
            at = left[0][1]
            if at <= now or len(messages) >= budget:
                at = max(at, (math.floor(now / 60) + 1) * 60)
            await self.store.zadd(DUE, recipient, at)
        else:
            await self.store.zrem(DUE, recipient)
        return sent

    async def _state(self, member: str) -> str | None:
        return (await self.outbox.statuses(notice_key(Notice.parse(member).id))).get(MESSAGE)

    async def _send(self, recipient: str, members: list[str], text: str, due: float, uncertain: bool) -> int:
        """One app message through the patient Sender, its notices marked in the outbox around it."""
        assert self.agent_id is not None
        notices = [Notice.parse(m) for m in members]
        ids = [n.id for n in notices]
        for notice_id in ids:
            await self.outbox.mark(notice_key(notice_id), MESSAGE, SENDING)

        async def window() -> float:
            return due + NOTICE_WINDOW_S

        payload = {"touser": recipient, "msgtype": "text", "agentid": self.agent_id, "text": {"content": text}}
        about = tuple(sorted({n.fields[ABOUT] for n in notices if n.fields.get(ABOUT)}))
        result = await self.sender.send(Send("notice", "message/send", payload, event=notice_key(ids[0]),
                                             about=about), window, uncertain=uncertain)
        final = {EXPIRED_OUTCOME: EXPIRED, DEAD_OUTCOME: DEAD}.get(result.outcome, SENT)
        for notice_id in ids:
            await self.outbox.settle(notice_key(notice_id), MESSAGE, final)
        if final != SENT:
            kind = "notice_failed" if final == DEAD else "notice_expired"
            await self.audit.record(kind, to=recipient, errcode=result.errcode, notices=ids)
            return 0
        await self._spend(recipient, self.clock())
        await self.audit.record("notice_sent", to=recipient, digest=len(members) > 1, notices=ids)
        return 1

    async def _budget(self, recipient: str, now: float) -> int:
        minute = await self.store.get(self._minute_key(recipient, now))
        hour = await self.store.get(self._hour_key(recipient, now))
        return max(0, min(self.settings().per_minute - int(minute or 0), HOURLY_LIMIT - int(hour or 0)))

    async def _spend(self, recipient: str, now: float) -> None:
        await self.store.incr(self._minute_key(recipient, now), ttl_ms=120_000)
        await self.store.incr(self._hour_key(recipient, now), ttl_ms=7_200_000)

    @staticmethod
    def _minute_key(recipient: str, now: float) -> str:
        return f"siyu:notices:rate:{recipient}:m{math.floor(now / 60)}"

    @staticmethod
    def _hour_key(recipient: str, now: float) -> str:
        return f"siyu:notices:rate:{recipient}:h{math.floor(now / 3600)}"

    async def run(self, interval: float = 1.0) -> None:
        """Beside the workers: each member with something due gets a task of their own, so that a patient
        send to one (WeCom busy) holds up nobody else."""
        active: dict[str, asyncio.Task[int]] = {}
        try:
            while True:
                try:
                    for recipient, _ in await self.store.zdue(DUE, self.clock(), 500):
                        if recipient not in active:
                            active[recipient] = task = asyncio.create_task(self.flush_recipient(recipient))
                            task.add_done_callback(functools.partial(self._finished, active, recipient))
                except asyncio.CancelledError:
                    raise
                except self.store.unavailable as error:  # one line, not a traceback a second (docs/gateway.md)
                    log.warning("moderation notices wait: the store does not answer (%s)", type(error).__name__)
                except Exception:
                    log.exception("sending moderation notices failed; retrying")
                await pause(interval)
        finally:
            for task in active.values():
                task.cancel()

    def _finished(self, active: dict[str, asyncio.Task[int]], recipient: str, task: asyncio.Task[int]) -> None:
        active.pop(recipient, None)
        if task.cancelled():
            return
        error = task.exception()
        if isinstance(error, self.store.unavailable):
            log.warning("moderation notices wait: the store does not answer (%s)", type(error).__name__)
        elif error is not None:
            log.error("sending moderation notices failed; retrying: %r", error)
