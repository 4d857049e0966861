"""微信客服 (kf): replying within WeCom's limits (pulling is in kf_pull.py).

WeCom allows at most 5 messages within 48 h of the customer's last message; both are tracked per
customer in the store, and a turn that does not fit is merged into fewer messages. Sends wait out
WeCom outages until the 48 h window closes (sender.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.conversation import Outbound, Turn
from bot.gateway.kf_pull import KfPuller, conversation_key
from bot.gateway.outbox import DEAD, DROPPED, EXPIRED, FINAL, SENDING, SENT, Outbox, message_id
from bot.gateway.sender import DEAD as DEAD_OUTCOME
from bot.gateway.sender import EXPIRED_OUTCOME, RECONCILED, REFUSED, Send, Sender, retry_transient
from bot.gateway.sender import SENT as SENT_OUTCOME
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI, WeComError, is_transient
from bot.store.base import Store

log = logging.getLogger(__name__)

__all__ = ["KfChannel", "conversation_key", "fit_budget", "fit_text"]

REPLY_WINDOW_S = 48 * 3600
REPLY_LIMIT = 5
TEXT_LIMIT_BYTES = 2048
WELCOME_CODE_TTL_S = 20
HUMAN_STATES = frozenset({2, 3})  # queued for a human, or with one
UNKNOWN_STATE = -1  # kf/service_state/get failed: neither "a human has it" nor "the human is done"
SESSION_ERRCODE = 95018  # session state does not allow sending
OVER_LIMIT_ERRCODE = 95001  # WeCom's own count of the 5 messages says no
NOT_ALLOWED = frozenset({SESSION_ERRCODE, OVER_LIMIT_ERRCODE})


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
    def __init__(self, store: Store, api: WeComAPI, puller: KfPuller, sender: Sender, metrics: Metrics, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.api = api
        self.puller = puller
        self.sender = sender
        self.metrics = metrics
        self.outbox = Outbox(store)
        self.clock = clock

    async def pull(self, open_kfid: str, token: str) -> int:
        return await self.puller.pull(open_kfid, token)

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

    async def window_end(self, open_kfid: str, customer: str, wrote_at: float = 0.0) -> float:
        budget = await self.store.hgetall(self._budget_key(open_kfid, customer))
        return max(float(budget.get("last", "0") or 0), wrote_at) + REPLY_WINDOW_S

    # -- human hand-over -------------------------------------------------------------------------
    async def service_state(self, open_kfid: str, customer: str) -> int:
        """kf service_state (0 new, 1 bot, 2 queued for a human, 3 with a human, 4 ended), cached 10 s;
        UNKNOWN_STATE (-1) when WeCom could not say."""
        cache = f"siyu:kf:state:{open_kfid}:{customer}"
        cached = await self.store.get(cache)
        if cached is None:
            try:
                state = await self.api.kf_service_state(open_kfid, customer)
            except WeComError as error:
                # kf/send_msg itself refuses (95018) while a human has the session: go on and let it decide
                log.warning("kf/service_state/get failed (errcode %d); the send will tell", error.errcode)
                return UNKNOWN_STATE
            await self.store.set(cache, str(state), ttl_ms=10_000)
            cached = str(state)
        return int(cached)

    async def human_has_session(self, open_kfid: str, customer: str) -> bool:
        return await self.service_state(open_kfid, customer) in HUMAN_STATES

    async def note_service_state(self, open_kfid: str, customer: str, state: int) -> None:
        await self.store.set(f"siyu:kf:state:{open_kfid}:{customer}", str(state), ttl_ms=10_000)

    async def hand_over(self, open_kfid: str, customer: str) -> None:
        async def window() -> float:
            return await self.window_end(open_kfid, customer)

        try:
            await retry_transient(lambda: self.api.kf_transfer(open_kfid, customer, 2), window,
                                  cap=self.sender.retry_max_s, what="kf/service_state/trans", clock=self.clock)
        except WeComError as error:
            # a session moves only forward: one a person took meanwhile (3) cannot go back to the queue (2)
            await self.store.delete(f"siyu:kf:state:{open_kfid}:{customer}")
            if is_transient(error) or await self.service_state(open_kfid, customer) not in HUMAN_STATES:
                raise
            log.info("kf handover refused (errcode %d): a person has the session already", error.errcode)
            return
        await self.note_service_state(open_kfid, customer, 2)
        log.info("kf conversation handed to the human queue")

    # -- sending ---------------------------------------------------------------------------------
    async def deliver(self, event_key: str, open_kfid: str, customer: str, turn: Turn,
                      wrote_at: float = 0.0) -> int:
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

        async def window() -> float:
            return await self.window_end(open_kfid, customer, wrote_at)

        sent = 0
        for index, message in enumerate(fit_budget(turn.messages, plan)):
            msgid = message_id(event_key, index)
            status = statuses.get(msgid)
            if status in FINAL:
                continue
            uncertain = status == SENDING  # an earlier try may have reached WeCom
            if not uncertain and await self.slots_left(open_kfid, customer) <= 0:
                await self.outbox.mark(event_key, msgid, DROPPED)
                self.metrics.outbound.labels("kf", "over_budget").inc()
                log.warning("kf reply dropped: 5-message / 48 h budget used up")
                continue
            await self.outbox.mark(event_key, msgid, SENDING)
            payload = {"touser": customer, "open_kfid": open_kfid, "msgid": msgid, **to_kf_payload(message)}
            result = await self.sender.send(Send("kf", "kf/send_msg", payload, customer, event_key), window,
                                            uncertain=uncertain, expected=NOT_ALLOWED)
            if result.outcome == REFUSED:
                await self.outbox.settle(event_key, msgid, DROPPED)
                self.metrics.outbound.labels("kf", "session_closed" if result.errcode == SESSION_ERRCODE
                                             else "over_budget").inc()
            elif result.outcome in (EXPIRED_OUTCOME, DEAD_OUTCOME):
                await self.outbox.settle(event_key, msgid, EXPIRED if result.outcome == EXPIRED_OUTCOME else DEAD)
            else:
                await self.outbox.settle(event_key, msgid, SENT)
                await self.store.hincrby(self._budget_key(open_kfid, customer), "sent")
                sent += 1
        return sent

    async def welcome_on_enter(self, event_key: str, code: str, turn: Turn, sent_at: float) -> bool:
        """The enter_session welcome: one message with send_msg_on_event (code valid 20 s, once)."""
        msgid = message_id(event_key, 0)
        status = (await self.outbox.statuses(event_key)).get(msgid)
        if status in FINAL:
            return False
        merged = fit_budget(turn.messages, 1)
        if not merged:
            return False

        async def code_valid_until() -> float:
            return sent_at + WELCOME_CODE_TTL_S

        payload = {"code": code, "msgid": msgid, **to_kf_payload(merged[0])}
        send = Send("kf_welcome", "kf/send_msg_on_event", payload, event=event_key)
        result = await self.outbox.send_once(self.sender, msgid, send, code_valid_until, status=status)
        return result.outcome in (SENT_OUTCOME, RECONCILED)
