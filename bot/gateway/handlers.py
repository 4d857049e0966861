"""What each queued event does. Every effect is idempotent per event (see outbox.py).

Customer-group events (external_chat, msgaudit, hit_keyword, group_message) are handled by
bot/group_service.py, whose handlers the app adds to `by_kind`."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable

from bot.conversation import MSGID, RECALLED, Conversation, Inbound, InboundKind
from bot.events import ENTERED, EventBus
from bot.gateway import eventlog
from bot.gateway.contacts import Contacts, message_kind
from bot.gateway.kf import HUMAN_STATES, WELCOME_CODE_TTL_S, KfChannel, conversation_key
from bot.gateway.kf_link import KfLink
from bot.gateway.kf_welcome import WELCOME_DUE, KfWelcome
from bot.gateway.profile_events import ProfileEvents
from bot.gateway.queue import Event
from bot.gateway.sender import Sender
from bot.gateway.times import unix_time
from bot.logging_setup import throttled_as
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI
from bot.retention.tombstone import customer_of, predates_forget
from bot.store.base import Store

log = logging.getLogger(__name__)

KF_SEND_FAIL_LOG = "siyu:log:kf_send_fail"

__all__ = ["Handlers", "message_kind"]

Handler = Callable[[Event], Awaitable[None]]


class Handlers:
    def __init__(
        self,
        store: Store,
        api: WeComAPI,
        kf: KfChannel,
        sender: Sender,
        conversation: Conversation,
        metrics: Metrics,
        *,
        agent_id: int | None,
        clock: Callable[[], float] = time.time,
        customer_ttl_ms: int = 90 * 24 * 3600 * 1000,
        profile_events: ProfileEvents | None = None,
        events: EventBus | None = None,
        kf_link: KfLink | None = None,
        welcome_hold_s: float = 0.0,
    ) -> None:
        self.events = events or EventBus()
        self.store = store
        self.api = api
        self.kf = kf
        self.sender = sender
        self.conversation = conversation
        self.metrics = metrics
        self.agent_id = agent_id
        self.clock = clock
        self.contacts = Contacts(store, sender, conversation, metrics, agent_id=agent_id, clock=clock,
                                 customer_ttl_ms=customer_ttl_ms, code_expired=self._expired,
                                 profile_events=profile_events, events=self.events, kf_link=kf_link)
        self.welcome = KfWelcome(store, kf, conversation, metrics, self.contacts.tell, hold_s=welcome_hold_s,
                                 clock=clock)
        self.by_kind: dict[str, Handler] = {
            "kf": self.kf_notification,
            "kf_message": self.kf_message,
            "kf_event": self.kf_event,
            WELCOME_DUE: self.welcome.due,
            "external_contact": self.contacts.external_contact,
            "external_tag": self.contacts.tag_library_changed,
            "app_message": self.contacts.app_message,
            "timer": self.timer,
        }

    async def handle(self, event: Event) -> None:
        handler = self.by_kind.get(event.kind)
        if handler is None:
            log.warning("no handler for queued event kind %r; acknowledged", event.kind)
            return
        if not event.conversation.startswith("room:") and await predates_forget(  # a group's messages name the
                self.store, customer_of(event.conversation), event.received):  # group, no customer: no lookup
            log.info("a %s event of a customer forgotten since it was queued: dropped", event.kind)
            return
        eventlog.inbound(event)
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
        await self.welcome.wrote(event)  # a welcome held for her is decided (and said) before she is answered
        sent_at = unix_time(data.get("send_time"), self.clock())
        await self.kf.customer_wrote(open_kfid, customer, sent_at)
        state = await self.kf.service_state(open_kfid, customer)
        if state in HUMAN_STATES:
            log.info("kf message left to the human who has the session")
            return
        seen = {"service_state": str(state)} if state >= 0 else {}  # 0/1/4: no human has it (any more)
        inbound = Inbound(
            event_id=event.key,
            kind=message_kind(data.get("msgtype", "")),
            customer=customer,
            text=data.get("content", ""),
            at=sent_at,
            data={"open_kfid": open_kfid, MSGID: data.get("msgid", ""), **seen},
        )
        key = conversation_key(open_kfid, customer)
        turn = await self.conversation.respond(key, inbound)
        sent = await self.kf.deliver(event.key, open_kfid, customer, turn, wrote_at=sent_at)
        eventlog.reply("kf", key, turn, sent)
        if turn.handover:
            await self.kf.hand_over(open_kfid, customer)

    async def kf_event(self, event: Event) -> None:
        data = event.data
        kind = data.get("event_type", "")
        open_kfid, customer = data.get("open_kfid", ""), data.get("external_userid", "")
        if kind == "enter_session":
            scene = data.get("scene_param", "") or data.get("scene", "")
            key = conversation_key(open_kfid, customer)
            await self.contacts.tell(ENTERED, customer, data.get("send_time", ""), key, channel=scene)
            await self.welcome.entered(event)
        elif kind == "msg_send_fail":
            record = {
                "at": data.get("send_time", ""),
                "fail_msgid": data.get("fail_msgid", ""),
                "fail_type": data.get("fail_type", ""),
                "external_userid": customer,
            }
            await self.store.lpush_capped(KF_SEND_FAIL_LOG, json.dumps(record), 10_000)
            self.metrics.outbound.labels("kf", f"send_fail_{record['fail_type']}").inc()
            log.warning("kf message failed to reach the customer: fail_type %s", record["fail_type"],
                        extra=throttled_as(f"kf send_fail {record['fail_type']}"))
        elif kind == "session_status_change":
            # 1 taken from the pool, 2 transferred, 3 ended, 4 re-opened: a human is involved or not
            change = data.get("change_type", "")
            await self.kf.note_service_state(open_kfid, customer, 4 if change == "3" else 3)
            if change == "3":  # the human ended the session: the bot may speak again
                handback = Inbound(event_id=event.key, kind=InboundKind.HANDBACK, customer=customer,
                                   at=self.clock(), data={"open_kfid": open_kfid})
                await self.conversation.respond(conversation_key(open_kfid, customer), handback)
        elif kind == "user_recall_msg":  # she took a message back: not answered if its burst still waits
            # dated when she recalled, as her messages are: a recall from before a forget leaves nothing
            recall = Inbound(event_id=event.key, kind=InboundKind.RECALL, customer=customer,
                             at=unix_time(data.get("send_time"), self.clock()),
                             data={"open_kfid": open_kfid, RECALLED: data.get(RECALLED, "")})
            await self.conversation.respond(conversation_key(open_kfid, customer), recall)
        else:
            log.info("kf event %r recorded without action", kind)

    def _expired(self, sent: str, received: float) -> bool:
        started = unix_time(sent, received)
        return self.clock() - started > WELCOME_CODE_TTL_S

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
            sent = await self.kf.deliver(event.key, open_kfid, customer, turn)
            eventlog.reply("kf", event.conversation, turn, sent)
            if turn.handover:
                await self.kf.hand_over(open_kfid, customer)
        elif event.conversation.startswith("app:"):
            sent = await self.contacts.send_app(event.key, event.conversation[4:], turn.messages, event.received)
            eventlog.reply("app", event.conversation, turn, sent)
        else:
            log.info("timer fired for a conversation without an automatic channel; nothing sent")
