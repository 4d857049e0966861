"""What each queued event does. Every effect is idempotent per event (see outbox.py).

Customer-group events (external_chat, msgaudit, hit_keyword, group_message) are handled by
bot/group_service.py, whose handlers the app adds to `by_kind`."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable

from bot.conversation import Conversation, Inbound, InboundKind, Outbound
from bot.gateway.kf import KfChannel, conversation_key
from bot.gateway.outbox import SENDING, SENT, Outbox, message_id
from bot.gateway.queue import Event
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI, WeComError
from bot.store.base import Store

log = logging.getLogger(__name__)

WELCOME_CODE_TTL_S = 20
WELCOME_USED = 41051
CHURN_LOG = "siyu:log:churn"
KF_SEND_FAIL_LOG = "siyu:log:kf_send_fail"

_MESSAGE_KINDS = {
    "text": InboundKind.TEXT,
    "image": InboundKind.IMAGE,
    "voice": InboundKind.VOICE,
    "video": InboundKind.VIDEO,
    "file": InboundKind.FILE,
    "location": InboundKind.LOCATION,
    "link": InboundKind.LINK,
    "miniprogram": InboundKind.LINK,
    "emotion": InboundKind.STICKER,
    "business_card": InboundKind.OTHER,
    "channels_shop_product": InboundKind.LINK,
}

Handler = Callable[[Event], Awaitable[None]]


def message_kind(msgtype: str) -> InboundKind:
    return _MESSAGE_KINDS.get(msgtype, InboundKind.OTHER)


class Handlers:
    def __init__(
        self,
        store: Store,
        api: WeComAPI,
        kf: KfChannel,
        conversation: Conversation,
        metrics: Metrics,
        *,
        agent_id: int | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.api = api
        self.kf = kf
        self.conversation = conversation
        self.metrics = metrics
        self.agent_id = agent_id
        self.clock = clock
        self.outbox = Outbox(store)
        self.by_kind: dict[str, Handler] = {
            "kf": self.kf_notification,
            "kf_message": self.kf_message,
            "kf_event": self.kf_event,
            "external_contact": self.external_contact,
            "app_message": self.app_message,
            "timer": self.timer,
        }

    async def handle(self, event: Event) -> None:
        handler = self.by_kind.get(event.kind)
        if handler is None:
            log.warning("no handler for queued event kind %r; acknowledged", event.kind)
            return
        await handler(event)

    # -- 微信客服 --------------------------------------------------------------------------------
    async def kf_notification(self, event: Event) -> None:
        open_kfid = event.data.get("OpenKfId", "")
        if not open_kfid:
            log.warning("kf_msg_or_event without OpenKfId; nothing to pull")
            return
        count = await self.kf.pull(open_kfid, event.data.get("Token", ""))
        log.debug("kf pull queued %d new messages", count)

    async def kf_message(self, event: Event) -> None:
        data = event.data
        open_kfid, customer = data["open_kfid"], data["external_userid"]
        sent_at = float(data.get("send_time") or self.clock())
        await self.kf.customer_wrote(open_kfid, customer, sent_at)
        if await self.kf.human_has_session(open_kfid, customer):
            log.info("kf message left to the human who has the session")
            return
        inbound = Inbound(
            event_id=event.key,
            kind=message_kind(data.get("msgtype", "")),
            customer=customer,
            text=data.get("content", ""),
            at=sent_at,
            data={"open_kfid": open_kfid},
        )
        turn = await self.conversation.respond(conversation_key(open_kfid, customer), inbound)
        await self.kf.deliver(event.key, open_kfid, customer, turn)
        if turn.handover:
            await self.kf.hand_over(open_kfid, customer)

    async def kf_event(self, event: Event) -> None:
        data = event.data
        kind = data.get("event_type", "")
        open_kfid, customer = data.get("open_kfid", ""), data.get("external_userid", "")
        if kind == "enter_session":
            code = data.get("welcome_code", "")
            if not code:
                return  # WeCom sends a code only when a welcome is allowed
            if self._expired(data.get("send_time", ""), event.received):
                self.metrics.outbound.labels("kf_welcome", "code_expired").inc()
                log.warning("kf enter_session welcome skipped: the 20 s welcome code has expired")
                return
            inbound = Inbound(
                event_id=event.key,
                kind=InboundKind.ENTER_SESSION,
                customer=customer,
                channel=data.get("scene_param", "") or data.get("scene", ""),
                at=self.clock(),
                data={"open_kfid": open_kfid},
            )
            turn = await self.conversation.respond(conversation_key(open_kfid, customer), inbound)
            await self.kf.welcome_on_enter(event.key, code, turn)
        elif kind == "msg_send_fail":
            record = {
                "at": data.get("send_time", ""),
                "fail_msgid": data.get("fail_msgid", ""),
                "fail_type": data.get("fail_type", ""),
            }
            await self.store.lpush_capped(KF_SEND_FAIL_LOG, json.dumps(record), 10_000)
            self.metrics.outbound.labels("kf", f"send_fail_{record['fail_type']}").inc()
            log.warning("kf message failed to reach the customer: fail_type %s", record["fail_type"])
        elif kind == "session_status_change":
            # 1 taken from the pool, 2 transferred, 3 ended, 4 re-opened: a human is involved or not
            change = data.get("change_type", "")
            await self.kf.note_service_state(open_kfid, customer, 4 if change == "3" else 3)
        else:
            log.info("kf event %r recorded without action", kind)

    def _expired(self, sent: str, received: float) -> bool:
        started = float(sent) if sent else received
        return self.clock() - started > WELCOME_CODE_TTL_S

    # -- new external contacts -------------------------------------------------------------------
    async def external_contact(self, event: Event) -> None:
        data = event.data
        change = data.get("ChangeType", "")
        customer = data.get("ExternalUserID", "")
        if change in ("add_external_contact", "add_half_external_contact"):
            await self._welcome(event, customer)
        elif change == "del_follow_user":
            record = {
                "employee": data.get("UserID", ""),
                "customer": customer,
                "at": data.get("CreateTime", ""),
            }
            await self.store.lpush_capped(CHURN_LOG, json.dumps(record), 100_000)
            await self.store.hset(f"siyu:customer:{customer}", {"churned_at": record["at"]})
            self.metrics.events.labels("external_contact", "churn").inc()
            log.info("a customer deleted an employee: recorded as churn")
        else:
            log.info("external contact change %r recorded without action", change)

    async def _welcome(self, event: Event, customer: str) -> None:
        code = event.data.get("WelcomeCode", "")
        if not code:
            log.info("new contact without a WelcomeCode: WeCom sends no welcome code, nothing to send")
            return
        if self._expired(event.data.get("CreateTime", ""), event.received):
            self.metrics.outbound.labels("welcome", "code_expired").inc()
            log.warning("new-contact welcome skipped: the 20 s welcome code has expired")
            return
        msgid = message_id(event.key, 0)
        if (await self.outbox.statuses(event.key)).get(msgid) == SENT:
            return
        inbound = Inbound(
            event_id=event.key,
            kind=InboundKind.WELCOME,
            customer=customer,
            channel=event.data.get("State", ""),
            at=self.clock(),
        )
        turn = await self.conversation.respond(event.conversation, inbound)
        text = "\n".join(m.text for m in turn.messages if m.text and m.attachment is None)
        attachments = [m.attachment for m in turn.messages if m.attachment is not None][:9]
        if not text and not attachments:
            return
        await self.outbox.mark(event.key, msgid, SENDING)
        try:
            await self.api.send_welcome_msg(code, text, attachments)
        except WeComError as error:
            if error.errcode != WELCOME_USED:
                raise
            log.info("welcome code already used (another sender or the admin console welcome)")
        await self.outbox.mark(event.key, msgid, SENT)
        self.metrics.outbound.labels("welcome", "sent").inc()

    # -- members of the corp writing to the app --------------------------------------------------
    async def app_message(self, event: Event) -> None:
        data = event.data
        member = data.get("FromUserName", "")
        inbound = Inbound(
            event_id=event.key,
            kind=message_kind(data.get("MsgType", "")),
            customer=member,
            text=data.get("Content", ""),
            at=float(data.get("CreateTime") or self.clock()),
        )
        turn = await self.conversation.respond(event.conversation, inbound)
        await self._send_app(event.key, member, turn.messages)

    async def _send_app(self, event_key: str, member: str, messages: list[Outbound]) -> None:
        if self.agent_id is None:
            log.warning("WECOM_AGENT_ID is not set: cannot answer members writing to the app")
            return
        statuses = await self.outbox.statuses(event_key)
        for index, message in enumerate(messages):
            msgid = message_id(event_key, index)
            if statuses.get(msgid) == SENT or not message.text:
                continue
            await self.outbox.mark(event_key, msgid, SENDING)
            await self.api.message_send(self.agent_id, member, message.text)
            await self.outbox.mark(event_key, msgid, SENT)
            self.metrics.outbound.labels("app", "sent").inc()

    # -- durable timers set by the conversation --------------------------------------------------
    async def timer(self, event: Event) -> None:
        data = event.data
        inbound = Inbound(
            event_id=event.key,
            kind=InboundKind.TIMER,
            customer=data.get("customer", ""),
            at=self.clock(),
            data=dict(data),
        )
        turn = await self.conversation.respond(event.conversation, inbound)
        if event.conversation.startswith("kf:"):
            _, open_kfid, customer = event.conversation.split(":", 2)
            if await self.kf.human_has_session(open_kfid, customer):
                return
            await self.kf.deliver(event.key, open_kfid, customer, turn)
            if turn.handover:
                await self.kf.hand_over(open_kfid, customer)
        elif event.conversation.startswith("app:"):
            await self._send_app(event.key, event.conversation[4:], turn.messages)
        else:
            log.info("timer fired for a conversation without an automatic channel; nothing sent")
