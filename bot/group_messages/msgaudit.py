"""会话内容存档 (msgaudit): pull archived messages by seq, decrypt them, keep customer-group messages.

Pulls run when msgaudit_notify arrives and on a timer (WeCom keeps messages only a few days, and a
notification can be lost). One process pulls at a time (exclusive.py); a notification that arrives
while another pull runs makes that pull go round once more. The seq is stored after every batch has been
handed to the queue, so a crash re-reads at most one batch, and the queue's dedup drops what was
already queued: nothing is moderated twice. A message that cannot be decrypted (no key of its version)
is kept in `siyu:log:msgaudit_undecryptable` with its seq, never silently dropped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from bot.group_messages.exclusive import Exclusive
from bot.group_messages.finance_sdk import FinanceSdkError
from bot.group_messages.keys import CannotDecrypt, KeyRing
from bot.group_messages.observed import Observed
from bot.store.base import Store

log = logging.getLogger(__name__)

SEQ_KEY = "siyu:msgaudit:seq"
UNDECRYPTABLE_LOG = "siyu:log:msgaudit_undecryptable"
BATCH = 1000  # GetChatData returns at most 1,000 messages a call


class Sdk(Protocol):
    """What the puller needs of the Finance SDK (the ctypes binding, or a fake in tests)."""

    def get_chat_data(self, seq: int, limit: int) -> str: ...

    def decrypt_data(self, random_key: str, encrypted: str) -> str: ...


class MsgAuditError(Exception):
    pass


@dataclass
class PullReport:
    batches: int = 0
    seen: int = 0
    kept: int = 0
    queued: int = 0
    undecryptable: int = 0
    seq: int = 0
    busy: bool = False  # another process was pulling


def observe(message: dict[str, Any]) -> Observed:
    """A decrypted msgaudit message in the detector's terms."""
    kind = str(message.get("msgtype", ""))
    found = message.get(kind)
    body: dict[str, Any] = found if isinstance(found, dict) else {}
    text, url, appid, msgtype = "", "", "", kind
    if kind in ("text", "markdown"):
        text = str(body.get("content", ""))
    elif kind == "link":
        text = " ".join(str(body.get(k, "")) for k in ("title", "description")).strip()
        url = str(body.get("link_url", ""))
    elif kind == "weapp":
        msgtype, appid = "miniprogram", str(body.get("username", ""))
        text = " ".join(str(body.get(k, "")) for k in ("title", "description", "displayname")).strip()
    elif kind in ("redpacket", "external_redpacket"):
        msgtype, text = "redpacket", str(body.get("wish", ""))
    elif kind == "card":
        text = str(body.get("corpname", ""))
    elif kind == "news":
        items = body.get("info", {}).get("item", []) if isinstance(body.get("info"), dict) else []
        text = " ".join(f"{i.get('title', '')} {i.get('description', '')}" for i in items).strip()
        url = str(items[0].get("url", "")) if items else ""
        msgtype = "link"
    elif kind == "mixed":
        parts = body.get("item", [])
        text = " ".join(json.loads(p["content"]).get("content", "") for p in parts
                        if p.get("type") == "text" and isinstance(p.get("content"), str))
        msgtype = "text"
    return Observed(
        source="msgaudit",
        msgid=str(message.get("msgid", "")),
        chat_id=str(message.get("roomid", "")),
        sender=str(message.get("from", "")),
        sent_at=float(message.get("msgtime") or 0) / 1000,
        msgtype=msgtype,
        text=text,
        url=url,
        appid=appid,
    )


CustomerGroupCheck = Callable[[str, dict[str, Any]], Awaitable[bool]]
Sink = Callable[[Observed], Awaitable[bool]]


class MsgAuditSource:
    name = "msgaudit"

    def __init__(self, sdk: Sdk, keys: KeyRing, store: Store, sink: Sink, is_customer_group: CustomerGroupCheck,
                 *, batch: int = BATCH, clock: Callable[[], float] = time.time) -> None:
        self.sdk = sdk
        self.clock = clock
        self.keys = keys
        self.store = store
        self.sink = sink
        self.is_customer_group = is_customer_group
        self.batch = batch
        self.exclusive = Exclusive(store, "msgaudit")

    async def pull(self, hint: str = "") -> int:
        return (await self.pull_report()).queued

    async def pull_report(self) -> PullReport:
        report = PullReport()
        report.busy = not await self.exclusive.run(lambda: self._drain(report))
        return report

    async def _drain(self, report: PullReport) -> None:
        seq = int(await self.store.get(SEQ_KEY) or 0)
        while True:
            try:
                raw = await asyncio.to_thread(self.sdk.get_chat_data, seq, self.batch)
                answer = json.loads(raw)
            except FinanceSdkError as error:
                raise MsgAuditError(f"GetChatData from seq {seq} failed: {error}") from error
            except ValueError as error:
                raise MsgAuditError(f"GetChatData from seq {seq} answered something that is not JSON") from error
            if int(answer.get("errcode", 0)) != 0:
                raise MsgAuditError(f"GetChatData from seq {seq}: errcode {answer.get('errcode')} "
                                    f"{answer.get('errmsg', '')}")
            items = answer.get("chatdata") or []
            if not items:
                report.seq = seq
                return
            report.batches += 1
            for item in items if isinstance(items, list) else [items]:
                if not isinstance(item, dict):
                    await self._unreadable({}, "an entry that is no object", report)
                    continue
                await self._one(item, report)
                seq = max(seq, _seq(item.get("seq")))
            await self.store.set(SEQ_KEY, str(seq))  # only after the whole batch is queued
            await self.exclusive.renew()
            report.seq = seq
            if len(items) < self.batch:
                return

    async def _one(self, item: dict[str, Any], report: PullReport) -> None:
        report.seen += 1
        try:
            random_key = self.keys.open_random_key(int(item.get("publickey_ver", 0)),
                                                   str(item.get("encrypt_random_key", "")))
            plain = await asyncio.to_thread(self.sdk.decrypt_data, random_key, str(item.get("encrypt_chat_msg", "")))
            message = json.loads(plain)
        except (CannotDecrypt, FinanceSdkError, ValueError, TypeError) as error:
            await self._unreadable(item, f"could not be decrypted: {error}", report)
            return
        try:
            if not isinstance(message, dict):
                raise TypeError(f"the message is JSON {type(message).__name__}, not an object")
            room = str(message.get("roomid") or "")
            if not room or message.get("action", "send") != "send":
                return  # 1:1 chats, recalls and switch records are not group messages to moderate
            observed = observe(message)
        except (AttributeError, TypeError, ValueError, KeyError) as error:
            # a message of another shape failed the pull at its seq every time: moderation stalled for good
            await self._unreadable(item, f"could not be read: {type(error).__name__}", report)
            return
        if not await self.is_customer_group(room, message):
            return
        report.kept += 1
        if await self.sink(observed):
            report.queued += 1

    async def _unreadable(self, item: dict[str, Any], why: str, report: PullReport) -> None:
        """Kept with its seq, msgid and why (never its text) for the operator; the pull goes on past it."""
        report.undecryptable += 1
        record = {"seq": item.get("seq"), "msgid": item.get("msgid"), "publickey_ver": item.get("publickey_ver"),
                  "error": why[:200], "at": round(self.clock(), 3)}  # `at`: the janitor trims by it
        await self.store.lpush_capped(UNDECRYPTABLE_LOG, json.dumps(record, default=str), 10_000)
        log.warning("msgaudit message at seq %s %s", str(item.get("seq"))[:20], why[:200])


def _seq(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0
