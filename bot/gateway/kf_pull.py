"""微信客服 (kf): pulling new messages with sync_msg, once each, in order.

A `kf_msg_or_event` callback only says "there is something new"; the messages come from `kf/sync_msg`
from the cursor stored per kf account. Pulls of one account never overlap (a lock in the store, held
briefly and renewed while a pull runs, so a crashed puller holds others up for at most PULL_LOCK_MS), and
a request to pull that arrives during a pull is never lost: it leaves a flag the running puller takes up.

When the store has no cursor (a first start, or the store lost its data), WeCom returns the last three
days. Those messages may have been answered already, so any older than `max_age_s` is recorded in
`siyu:log:kf_unanswered` and not answered. A process that pulled before keeps its last cursor in memory
and goes on from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from bot.content.durations import human_duration
from bot.conversation import FIRST_TEXT
from bot.gateway.queue import Queue
from bot.gateway.sender import retry_transient
from bot.gateway.times import unix_time
from bot.metrics import Metrics
from bot.protocol.api import TRANSPORT_ERRCODE, WeComAPI, WeComError, is_misconfigured, is_transient
from bot.store.base import Store

log = logging.getLogger(__name__)

PULL_LOCK_MS = 3_000
UNANSWERED_LOG = "siyu:log:kf_unanswered"
UNANSWERED_KEPT = 100_000
PULL_REQUEST_TTL_MS = 24 * 3600 * 1000


def conversation_key(open_kfid: str, external_userid: str) -> str:
    return f"kf:{open_kfid}:{external_userid}"


async def _never() -> float:
    return 0.0


def first_texts(batch: list[dict[str, Any]]) -> dict[int, str]:
    """For each enter_session of the batch (by index) after which the same customer wrote, what she wrote first:
    its text, or "" when it was no text (a picture). The held welcome is then decided at once (kf_welcome.py)."""
    opened: dict[str, int] = {}  # customer -> her enter_session waiting for her first message
    found: dict[int, str] = {}
    for index, message in enumerate(batch):
        origin = str(message.get("origin", ""))
        if origin == "4" and message.get("msgtype") == "event":
            event = message.get("event") or {}
            if event.get("event_type") == "enter_session" and event.get("external_userid"):
                opened[str(event["external_userid"])] = index
        elif origin == "3" and (index_opened := opened.pop(str(message.get("external_userid", "")), None)) is not None:
            text = message.get("text") or {}
            found[index_opened] = str(text.get("content", "")) if message.get("msgtype") == "text" else ""
    return found


def readable_message(message: Any) -> bool:
    """Whether a sync_msg entry has the shape _take reads: an object, a numeric origin, and the customer's text or
    the event as an object. One that has not is skipped, never retried: failing the pull on it kept the cursor
    before it, and every later pull of the kf account failed on it again (no customer of it was answered)."""
    if not isinstance(message, dict):
        return False
    try:
        origin = int(str(message.get("origin", 0)))
    except ValueError:
        return False
    msgtype = message.get("msgtype")
    if origin == 3 and msgtype == "text":
        return isinstance(message.get("text"), dict)
    if origin == 4 and msgtype == "event":
        return isinstance(message.get("event"), dict)
    return True


class KfPuller:
    def __init__(self, store: Store, api: WeComAPI, queue: Queue, metrics: Metrics, *,
                 clock: Callable[[], float] = time.time, max_age_s: float = 300.0,
                 retry_max_s: float = 60.0) -> None:
        self.store = store
        self.api = api
        self.queue = queue
        self.metrics = metrics
        self.clock = clock
        self.max_age_s = max_age_s
        self.retry_max_s = retry_max_s
        self._owner = uuid.uuid4().hex
        self._cursors: dict[str, str] = {}  # the last cursor this process stored, per kf account

    async def pull(self, open_kfid: str, token: str) -> int:
        """Pull every new message of this kf account and queue each once; returns how many were queued."""
        lock, request = f"siyu:kf:{open_kfid}:pull", f"siyu:kf:{open_kfid}:pull_requested"
        await self.store.set(request, "1", ttl_ms=PULL_REQUEST_TTL_MS)
        queued = 0
        while True:
            if await self.store.acquire(lock, self._owner, PULL_LOCK_MS):
                renewal = asyncio.create_task(self._renew(lock))
                try:
                    while await self.store.delete(request):  # one pull per round of requests
                        queued += await self._pull_locked(open_kfid, token)
                finally:
                    renewal.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await renewal
                    await self.store.release(lock, self._owner)
                return queued
            if await self.store.get(request) is None:
                return queued  # the running puller took our request and pulls for it
            await asyncio.sleep(0.05)

    async def _renew(self, lock: str) -> None:
        while True:
            await asyncio.sleep(PULL_LOCK_MS / 3000)
            with contextlib.suppress(Exception):
                await self.store.renew(lock, self._owner, PULL_LOCK_MS)

    async def _pull_locked(self, open_kfid: str, token: str) -> int:
        cursor_key = f"siyu:kf:{open_kfid}:cursor"
        stored = await self.store.get(cursor_key)
        cursor = stored or self._cursors.get(open_kfid, "")
        fresh = stored is None  # the store knows nothing: old messages may have been answered already
        if fresh and cursor:
            log.warning("the kf cursor was missing from the store; going on from this process's last cursor")
        queued, first_page = 0, True
        while True:  # a cursor is dropped only on the first page: WeCom refusing its own next_cursor is no stale one
            before = cursor
            body, cursor = await self._sync_from(open_kfid, cursor, token, may_drop=first_page)
            if before and not cursor:  # dropped: from the oldest messages WeCom holds, as with no cursor at all
                fresh = True
            first_page = False
            batch = body.get("msg_list") or []
            readable = [message if readable_message(message) else None for message in batch]
            first = first_texts([message or {} for message in readable])
            for index, message in enumerate(readable):
                if message is None:  # skipped, never retried: the pull must not stop on it for good
                    await self._unreadable(open_kfid, batch[index])
                    continue
                queued += await self._take(open_kfid, message, fresh, first.get(index))
            asked, cursor = cursor, str(body.get("next_cursor") or cursor)
            if cursor:  # remembered before it is stored: a store lost during the write must not step us back
                self._cursors[open_kfid] = cursor
                await self.store.set(cursor_key, cursor)
            if not body.get("has_more"):
                return queued
            if cursor == asked:  # "more" without a new cursor would be this page again, forever
                log.warning("kf/sync_msg said has_more without a new cursor: this pull ends; the next one goes on")
                return queued

    async def _sync_from(self, open_kfid: str, cursor: str, token: str, *,
                         may_drop: bool) -> tuple[dict[str, Any], str]:
        """One page from `cursor`; a cursor WeCom refuses for good (expired, invalid: the errcode is not documented)
        is dropped once WeCom takes the same pull without it, and the pull starts from the oldest messages WeCom
        holds: those queued before keep their dedup markers and are not answered twice. Kept, it failed every
        later pull of the kf account: its customers were never answered again."""
        droppable = bool(cursor) and may_drop
        try:  # a cursor that may be dropped is tried first with the token kept: a refusal blames the cursor, not it
            return await self._sync(open_kfid, cursor, token, token_fallback=not droppable), cursor
        except WeComError as error:
            if not droppable or is_transient(error) or is_misconfigured(error):
                raise
            try:
                body = await self._sync(open_kfid, "", token, token_fallback=False)
            except WeComError:  # refused without the cursor too: not the cursor's fault (the callback token's, or
                return await self._sync(open_kfid, cursor, token), cursor  # the account's): kept, token dropped
            log.error("kf/sync_msg refused the stored cursor (errcode %d: %s): dropped; pulling again from the "
                      "oldest messages WeCom holds (3 days), each still answered once", error.errcode, error.errmsg)
            self.metrics.events.labels("kf_pull", "cursor_dropped").inc()
            return body, ""

    async def _sync(self, open_kfid: str, cursor: str, token: str, *, token_fallback: bool = True) -> dict[str, Any]:
        async def once() -> dict[str, Any]:
            nonlocal token
            try:
                return _whole(await self.api.kf_sync_msg(open_kfid, cursor, token, retry=False))
            except WeComError as error:
                if not token or not token_fallback or error.errcode < 0 or error.errcode in (45009, 45033) \
                        or error.endpoint == "gettoken":
                    raise  # gettoken refused: the access token (WECOM_SECRET), not the callback's token, is at fault
                log.info("kf/sync_msg refused the callback token (errcode %d); pulling without it", error.errcode)
                token = ""  # the token is valid 10 minutes; without one the pull is only rate-limited harder
                return _whole(await self.api.kf_sync_msg(open_kfid, cursor, token, retry=False))

        return await retry_transient(once, _never, cap=self.retry_max_s, what="kf/sync_msg", clock=self.clock)

    async def _take(self, open_kfid: str, message: dict[str, Any], fresh: bool, first: str | None = None) -> int:
        origin = int(message.get("origin", 0))
        msgid = str(message.get("msgid", ""))
        msgtype = str(message.get("msgtype", ""))
        send_time = str(message.get("send_time", ""))
        if origin == 3:
            customer = str(message.get("external_userid", ""))
            content = str(message.get("text", {}).get("content", "")) if msgtype == "text" else ""
            data = {"open_kfid": open_kfid, "external_userid": customer, "msgid": msgid, "msgtype": msgtype,
                    "content": content, "send_time": send_time}
            kind = "kf_message"
        elif origin == 4 and msgtype == "event":
            event = message.get("event", {})
            customer = str(event.get("external_userid", ""))
            data = {k: str(v) for k, v in event.items() if not isinstance(v, dict | list)}
            data.update({"open_kfid": open_kfid, "msgid": msgid, "send_time": send_time})
            if first is not None:  # she wrote right after opening the chat: the welcome knows it (kf_welcome.py)
                data[FIRST_TEXT] = first
            kind = "kf_event"
        else:
            return 0  # origin 5: what a human agent sent; nothing for the bot to do
        if not customer or not msgid:  # nobody to answer (a reply went to touser "") or nothing to dedupe on
            log.warning("kf/sync_msg gave a %s without %s: skipped, nobody to answer", kind,
                        "external_userid" if not customer else "msgid")
            return 0
        if fresh and send_time and self.clock() - unix_time(send_time, self.clock()) > self.max_age_s:
            await self._unanswered(open_kfid, customer, msgid, send_time)
            return 0
        entry = await self.queue.put(f"kfmsg:{msgid}", kind, conversation_key(open_kfid, customer), data)
        return 1 if entry else 0

    async def _unreadable(self, open_kfid: str, message: Any) -> None:
        """Recorded in UNANSWERED_LOG with what identifies it (never its content) and skipped."""
        fields = message if isinstance(message, dict) else {}
        record = {"at": round(self.clock(), 3), "open_kfid": open_kfid,
                  "external_userid": _plain(fields.get("external_userid")), "msgid": _plain(fields.get("msgid")),
                  "send_time": _plain(fields.get("send_time")), "reason": "unreadable"}
        await self.store.lpush_capped(UNANSWERED_LOG, json.dumps(record), UNANSWERED_KEPT)
        self.metrics.events.labels("kf_message", "unreadable").inc()
        log.warning("kf/sync_msg gave a message that cannot be read: recorded in %s and skipped", UNANSWERED_LOG)

    async def _unanswered(self, open_kfid: str, customer: str, msgid: str, send_time: str) -> None:
        record = {"at": round(self.clock(), 3), "open_kfid": open_kfid, "external_userid": customer,
                  "msgid": msgid, "send_time": send_time, "reason": "too old"}
        await self.store.lpush_capped(UNANSWERED_LOG, json.dumps(record), UNANSWERED_KEPT)
        self.metrics.events.labels("kf_message", "too_old").inc()
        log.warning("kf messages older than %s found without a cursor: recorded in %s, not answered",
                    human_duration(self.max_age_s), UNANSWERED_LOG)


def _whole(body: dict[str, Any]) -> dict[str, Any]:
    """A page whose msg_list is no list is no answer (pulled again): taken, its next_cursor skipped its messages."""
    if not isinstance(body.get("msg_list", []), list):
        raise WeComError("kf/sync_msg", TRANSPORT_ERRCODE, "msg_list is not a list")
    return body


def _plain(value: Any) -> str:
    return str(value) if isinstance(value, str | int) else ""
