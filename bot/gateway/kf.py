"""微信客服 (kf): pulling messages with sync_msg and replying within WeCom's limits.

WeCom allows at most 5 messages within 48 h of the customer's last message; both are tracked per
customer in the store, and a turn that does not fit is merged into fewer messages.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from bot.conversation import Outbound, Turn
from bot.gateway.outbox import DROPPED, SENDING, SENT, Outbox, message_id
from bot.gateway.queue import Queue
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI, WeComError
from bot.store.base import Store

log = logging.getLogger(__name__)

REPLY_WINDOW_S = 48 * 3600
REPLY_LIMIT = 5
TEXT_LIMIT_BYTES = 2048
HUMAN_STATES = frozenset({2, 3})  # queued for a human, or with one
SESSION_ERRCODE = 95018  # session state does not allow sending


def conversation_key(open_kfid: str, external_userid: str) -> str:
    return f"kf:{open_kfid}:{external_userid}"


def fit_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> str:
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"


def fit_budget(messages: list[Outbound], slots: int) -> list[Outbound]:
    """Merge text messages so that the turn fits in `slots` messages; attachments go last if room."""
    if len(messages) <= slots or slots <= 0:
        return messages if slots > 0 else []
    texts = [m.text for m in messages if m.text and m.attachment is None]
    attachments = [m for m in messages if m.attachment is not None]
    merged = [Outbound(text="\n".join(texts))] if texts else []
    return (merged + attachments)[:slots]


def to_kf_payload(message: Outbound) -> dict[str, Any]:
    if message.attachment is not None:
        kind = str(message.attachment.get("msgtype", "link"))
        body = {k: v for k, v in message.attachment.items() if k != "msgtype"}
        return {"msgtype": kind, kind: body}
    return {"msgtype": "text", "text": {"content": fit_text(message.text)}}


class KfChannel:
    def __init__(
        self,
        store: Store,
        api: WeComAPI,
        queue: Queue,
        metrics: Metrics,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.api = api
        self.queue = queue
        self.metrics = metrics
        self.outbox = Outbox(store)
        self.clock = clock
        self._owner = uuid.uuid4().hex

    # -- pulling ---------------------------------------------------------------------------------
    async def pull(self, open_kfid: str, token: str) -> int:
        """Pull every new message of this kf account and enqueue each one once; returns how many.

        One pull per open_kfid at a time across all processes; the cursor is stored after the
        messages it covers are enqueued, so a crash re-pulls and dedup by msgid drops the repeats.
        """
        lock = f"siyu:kf:{open_kfid}:pull"
        for _ in range(600):
            if await self.store.acquire(lock, self._owner, 30_000):
                break
            await asyncio.sleep(0.05)
        else:
            raise TimeoutError(f"kf pull lock for {open_kfid} stayed busy")
        try:
            cursor_key = f"siyu:kf:{open_kfid}:cursor"
            cursor = await self.store.get(cursor_key) or ""
            queued = 0
            while True:
                body = await self.api.kf_sync_msg(open_kfid, cursor, token)
                for message in body.get("msg_list", []):
                    queued += await self._enqueue(open_kfid, message)
                cursor = str(body.get("next_cursor") or cursor)
                if cursor:
                    await self.store.set(cursor_key, cursor)
                await self.store.renew(lock, self._owner, 30_000)
                if not body.get("has_more"):
                    return queued
        finally:
            await self.store.release(lock, self._owner)

    async def _enqueue(self, open_kfid: str, message: dict[str, Any]) -> int:
        origin = int(message.get("origin", 0))
        msgid = str(message.get("msgid", ""))
        msgtype = str(message.get("msgtype", ""))
        if origin == 3:
            customer = str(message.get("external_userid", ""))
            content = ""
            if msgtype == "text":
                content = str(message.get("text", {}).get("content", ""))
            data = {
                "open_kfid": open_kfid,
                "external_userid": customer,
                "msgid": msgid,
                "msgtype": msgtype,
                "content": content,
                "send_time": str(message.get("send_time", "")),
            }
            kind = "kf_message"
        elif origin == 4 and msgtype == "event":
            event = message.get("event", {})
            customer = str(event.get("external_userid", ""))
            data = {k: str(v) for k, v in event.items() if not isinstance(v, dict | list)}
            data.update(
                {"open_kfid": open_kfid, "msgid": msgid, "send_time": str(message.get("send_time", ""))}
            )
            kind = "kf_event"
        else:
            return 0  # origin 5: what a human agent sent; nothing for the bot to do
        entry = await self.queue.put(f"kfmsg:{msgid}", kind, conversation_key(open_kfid, customer), data)
        return 1 if entry else 0

    # -- budget ----------------------------------------------------------------------------------
    def _budget_key(self, open_kfid: str, customer: str) -> str:
        return f"siyu:kf:budget:{open_kfid}:{customer}"

    async def customer_wrote(self, open_kfid: str, customer: str, at: float) -> None:
        """The customer's message renews the quota: 5 more messages, 48 h from now."""
        await self.store.hset(
            self._budget_key(open_kfid, customer),
            {"last": f"{at:.3f}", "sent": "0"},
            ttl_ms=REPLY_WINDOW_S * 1000 + 3_600_000,
        )

    async def slots_left(self, open_kfid: str, customer: str) -> int:
        budget = await self.store.hgetall(self._budget_key(open_kfid, customer))
        if not budget or self.clock() - float(budget.get("last", "0")) > REPLY_WINDOW_S:
            return 0
        return max(0, REPLY_LIMIT - int(budget.get("sent", "0")))

    # -- human hand-over -------------------------------------------------------------------------
    async def service_state(self, open_kfid: str, customer: str) -> int:
        """kf service_state (0 new, 1 bot, 2 queued for a human, 3 with a human, 4 ended), cached 10 s."""
        cache = f"siyu:kf:state:{open_kfid}:{customer}"
        cached = await self.store.get(cache)
        if cached is None:
            state = await self.api.kf_service_state(open_kfid, customer)
            await self.store.set(cache, str(state), ttl_ms=10_000)
            cached = str(state)
        return int(cached)

    async def human_has_session(self, open_kfid: str, customer: str) -> bool:
        return await self.service_state(open_kfid, customer) in HUMAN_STATES

    async def note_service_state(self, open_kfid: str, customer: str, state: int) -> None:
        await self.store.set(f"siyu:kf:state:{open_kfid}:{customer}", str(state), ttl_ms=10_000)

    async def hand_over(self, open_kfid: str, customer: str) -> None:
        await self.api.kf_transfer(open_kfid, customer, 2)
        await self.note_service_state(open_kfid, customer, 2)
        log.info("kf conversation handed to the human queue")

    # -- sending ---------------------------------------------------------------------------------
    async def deliver(self, event_key: str, open_kfid: str, customer: str, turn: Turn) -> int:
        """Send a turn's messages once each, inside the 5-message / 48 h budget. Returns how many went."""
        statuses = await self.outbox.statuses(event_key)
        if "plan" in statuses:  # a redelivery: follow the plan made the first time
            plan = int(statuses["plan"])
        else:
            plan = min(len(turn.messages), await self.slots_left(open_kfid, customer))
            await self.outbox.mark(event_key, "plan", str(plan))
            if plan < len(turn.messages):
                outcome = "merged" if plan else "over_budget"
                self.metrics.outbound.labels("kf", outcome).inc()
                log.info("kf turn of %d messages fitted into %d", len(turn.messages), plan)
        messages = fit_budget(turn.messages, plan)
        sent = 0
        for index, message in enumerate(messages):
            msgid = message_id(event_key, index)
            if statuses.get(msgid) in (SENT, DROPPED):
                continue
            if await self.slots_left(open_kfid, customer) <= 0:
                await self.outbox.mark(event_key, msgid, DROPPED)
                self.metrics.outbound.labels("kf", "over_budget").inc()
                log.warning("kf reply dropped: 5-message / 48 h budget used up")
                continue
            await self.outbox.mark(event_key, msgid, SENDING)
            try:
                await self.api.kf_send_msg(customer, open_kfid, msgid, to_kf_payload(message))
            except WeComError as error:
                if error.errcode != SESSION_ERRCODE:
                    raise
                await self.outbox.mark(event_key, msgid, DROPPED)
                self.metrics.outbound.labels("kf", "session_closed").inc()
                continue
            await self.outbox.mark(event_key, msgid, SENT)
            await self.store.hincrby(self._budget_key(open_kfid, customer), "sent")
            self.metrics.outbound.labels("kf", "sent").inc()
            sent += 1
        return sent

    async def welcome_on_enter(self, event_key: str, code: str, turn: Turn) -> bool:
        """The enter_session welcome: one message with send_msg_on_event (code valid 20 s, once)."""
        msgid = message_id(event_key, 0)
        if (await self.outbox.statuses(event_key)).get(msgid) in (SENT, DROPPED):
            return False
        merged = fit_budget(turn.messages, 1)
        if not merged:
            return False
        await self.outbox.mark(event_key, msgid, SENDING)
        await self.api.kf_send_msg_on_event(code, msgid, to_kf_payload(merged[0]))
        await self.outbox.mark(event_key, msgid, SENT)
        self.metrics.outbound.labels("kf_welcome", "sent").inc()
        return True
