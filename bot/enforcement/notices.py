"""Telling group owners (and alert recipients) through app messages, batched and within WeCom's limits.

WeCom delivers at most 30 app messages a minute and 1,000 an hour to one member and drops the rest
without an error, so the bot keeps its own budget per member (ladder.yaml notices.per_minute, and the
hourly cap) in shared counters and never sends past it. Notices wait per recipient in a sorted set
(`siyu:notices:<userid>`, scored by when they are due); `siyu:notices:due` says who has something due.
A non-urgent notice waits `wait_seconds` for company; alerts are due at once and always go alone. When
more than `digest_after` ordinary notices are waiting, or more than the budget allows, they go as one
digest. A notice is removed only after WeCom accepted it (at-least-once: a crash between the two sends
it again).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.enforcement.audit import Audit
from bot.groups.spec import Notices
from bot.groups.wecom import GroupAPI
from bot.protocol.api import RETRY_LATER, TRANSPORT_ERRCODE, WeComError
from bot.store.base import Store

log = logging.getLogger(__name__)

DUE = "siyu:notices:due"
HOURLY_LIMIT = 1000  # WeCom: app messages to one member per hour
TEXT_LIMIT = 2048  # message/send text.content, bytes
RETRY_S = 60


def pending_key(userid: str) -> str:
    return f"siyu:notices:{userid}"


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Notice:
    id: str  # unique per notice: a redelivered decision adds the same member, not a second one
    kind: str  # notice | removal | alert
    fields: dict[str, str] = field(default_factory=dict)

    def member(self) -> str:
        return json.dumps({"id": self.id, "kind": self.kind, "fields": self.fields}, ensure_ascii=False,
                          sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, member: str) -> Notice:
        data = json.loads(member)
        return cls(str(data["id"]), str(data["kind"]), dict(data.get("fields") or {}))


def fit(text: str, limit: int = TEXT_LIMIT) -> str:
    raw = text.encode()
    return text if len(raw) <= limit else raw[: limit - 3].decode(errors="ignore") + "…"


class Notifier:
    def __init__(self, store: Store, api: GroupAPI, agent_id: int | None, settings: Callable[[], Notices],
                 audit: Audit, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.api = api
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
        """Send what is due for everyone; returns how many app messages went out."""
        sent = 0
        for recipient, _ in await self.store.zdue(DUE, self.clock(), 500):
            sent += await self.flush_recipient(recipient)
        return sent

    async def flush_recipient(self, recipient: str) -> int:
        lock = f"{pending_key(recipient)}:lock"
        if not await self.store.acquire(lock, self.owner, 30_000):
            return 0  # another process is sending to this member right now
        try:
            return await self._flush(recipient)
        finally:
            await self.store.release(lock, self.owner)

    async def _flush(self, recipient: str) -> int:
        pending = await self.store.zdue(pending_key(recipient), float("inf"), 1000)
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
        sent = 0
        for members, text in self._plan(pending, await self._budget(recipient, now)):
            try:
                await self.api.app_message(self.agent_id, recipient, text)
            except WeComError as error:
                if error.errcode in RETRY_LATER or error.errcode == TRANSPORT_ERRCODE:
                    await self.store.zadd(DUE, recipient, now + RETRY_S)
                    log.warning("app message to a group owner failed with %s; retrying later", error.errcode)
                    return sent
                await self.audit.record("notice_failed", to=recipient, errcode=error.errcode,
                                        notices=[Notice.parse(m).id for m in members])
            else:
                await self._spend(recipient, now)
                sent += 1
                await self.audit.record("notice_sent", to=recipient, digest=len(members) > 1,
                                        notices=[Notice.parse(m).id for m in members])
            for member in members:
                await self.store.zrem(pending_key(recipient), member)
        left = await self.store.zdue(pending_key(recipient), float("inf"), 1)
        if left:  # the budget ran out: the rest waits for the next minute
            await self.store.zadd(DUE, recipient, max(left[0][1], (math.floor(now / 60) + 1) * 60))
        else:
            await self.store.zrem(DUE, recipient)
        return sent

    def _plan(self, pending: list[tuple[str, float]], budget: int) -> list[tuple[list[str], str]]:
        """(notices, text) messages to send now: alerts alone first, then the rest alone or as one digest."""
        settings = self.settings()
        texts = settings.texts
        plan: list[tuple[list[str], str]] = []
        alerts = [m for m, _ in pending if Notice.parse(m).kind == "alert"]
        others = [m for m, _ in pending if Notice.parse(m).kind != "alert"]
        for member in alerts[:budget]:
            plan.append(([member], self.render(Notice.parse(member))))
        room = budget - len(plan)
        if room <= 0 or not others:
            return plan
        if len(others) <= min(settings.digest_after, room):
            plan.extend(([m], self.render(Notice.parse(m))) for m in others)
            return plan
        lines: list[str] = []
        for member in others:
            line = texts.digest_line.format_map(_Blank(Notice.parse(member).fields))
            trial = texts.digest.format_map(_Blank(count=len(others), lines="\n".join([*lines, line]), more=""))
            if len(trial.encode()) > TEXT_LIMIT - 200:
                break
            lines.append(line)
        more = len(others) - len(lines)
        tail = texts.digest_more.format_map(_Blank(more=more)) if more else ""
        digest = texts.digest.format_map(_Blank(count=len(others), lines="\n".join(lines), more=tail))
        plan.append((others, fit(digest)))
        return plan

    def render(self, notice: Notice) -> str:
        texts = self.settings().texts
        template = {"alert": texts.alert, "removal": texts.removal}.get(notice.kind, texts.notice)
        return fit(template.format_map(_Blank(notice.fields)))

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
        while True:
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except self.store.unavailable as error:  # one line, not a traceback a second (docs/gateway.md)
                log.warning("moderation notices wait: the store does not answer (%s)", type(error).__name__)
            except Exception:
                log.exception("sending moderation notices failed; retrying")
            await asyncio.sleep(interval)
