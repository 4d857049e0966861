"""New external contacts (the welcome with the kf link card, churn, staff relations and tags in the
profile) and members of the corp writing to the app.

What the customer's profile makes of a contact event is in profile_events.py; the funnel and the follow-up
plans hear `added`, `welcomed` (only once the welcome was sent) and `churned` on the event bus. Customer
groups (change_external_chat) are bot/group_service.py's: the registry in bot/groups/.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable

from bot.conversation import Conversation, Inbound, InboundKind, Outbound
from bot.events import ADDED, CHURNED, WELCOMED, CustomerEvent, EventBus
from bot.gateway import eventlog
from bot.gateway.eventlog import UNKNOWN_LOG
from bot.gateway.kf import WELCOME_CODE_TTL_S, to_kf_payload
from bot.gateway.kf_link import KfLink
from bot.gateway.outbox import FINAL, Outbox, message_id
from bot.gateway.profile_events import ProfileEvents
from bot.gateway.queue import Event
from bot.gateway.sender import DEAD, EXPIRED_OUTCOME, REFUSED, Send, Sender
from bot.gateway.times import unix_time
from bot.metrics import Metrics
from bot.store.base import Store

log = logging.getLogger(__name__)

WELCOME_USED = 41051
APP_REPLY_WINDOW_S = 24 * 3600  # members writing to the app: no WeCom limit; a day-old answer is useless
CHURN_LOG = "siyu:log:churn"

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
_NOT_SENT = frozenset({EXPIRED_OUTCOME, DEAD, REFUSED})


def message_kind(msgtype: str) -> InboundKind:
    return _MESSAGE_KINDS.get(msgtype, InboundKind.OTHER)


class Contacts:
    def __init__(self, store: Store, sender: Sender, conversation: Conversation, metrics: Metrics, *,
                 agent_id: int | None, clock: Callable[[], float] = time.time, customer_ttl_ms: int,
                 code_expired: Callable[[str, float], bool], profile_events: ProfileEvents | None = None,
                 events: EventBus | None = None, kf_link: KfLink | None = None) -> None:
        self.store = store
        self.sender = sender
        self.conversation = conversation
        self.metrics = metrics
        self.agent_id = agent_id
        self.clock = clock
        self.customer_ttl_ms = customer_ttl_ms
        self._expired = code_expired
        self.outbox = Outbox(store)
        self.profile_events = profile_events or ProfileEvents(store)
        self.events = events or EventBus()
        self.kf_link = kf_link

    async def tell(self, name: str, customer: str, at: str | float, conversation: str, **extra: str) -> None:
        """What happened to a customer, for the funnel and the follow-up plans."""
        when = unix_time(at, self.clock())
        await self.events.emit([CustomerEvent(name, customer, when, conv=conversation, **extra)])

    # -- new external contacts -------------------------------------------------------------------
    async def external_contact(self, event: Event) -> None:
        data = event.data
        change = data.get("ChangeType", "")
        customer = data.get("ExternalUserID", "")
        if not customer:  # nothing can be done for nobody: kept for the operator, never a record of customer ""
            log.warning("external contact change %r without ExternalUserID: kept in %s", change, UNKNOWN_LOG)
            kept = {"kind": "external_contact", "change": change, "employee": data.get("UserID", ""),
                    "at": self.clock(), "why": "no ExternalUserID"}
            await self.store.lpush_capped(UNKNOWN_LOG, json.dumps(kept), 1000)
            return
        if change in ("add_external_contact", "add_half_external_contact"):
            await self.tell(ADDED, customer, data.get("CreateTime", ""), event.conversation,
                             staff=data.get("UserID", ""), channel=data.get("State", ""))
            await self._welcome(event, customer)
        elif change == "del_follow_user":
            record = {
                "employee": data.get("UserID", ""),
                "customer": customer,
                "at": data.get("CreateTime", ""),
            }
            await self.store.lpush_capped(CHURN_LOG, json.dumps(record), 100_000)
            await self.tell(CHURNED, customer, record["at"], event.conversation, staff=record["employee"])
            self.metrics.events.labels("external_contact", "churn").inc()
            log.info("a customer deleted an employee: recorded as churn")
        elif change not in ("edit_external_contact", "del_external_contact"):
            log.info("external contact change %r recorded without action", change)
        await self.profile_events.contact_changed(event)  # the profile: relations, churn, staff-set tags

    async def tag_library_changed(self, event: Event) -> None:
        await self.profile_events.tag_library_changed(event)

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
        status = (await self.outbox.statuses(event.key)).get(msgid)
        if status in FINAL:
            return
        channel = event.data.get("State", "")
        kf_url = await self.kf_link.for_channel(channel) if self.kf_link else None  # the chat the bot can see
        inbound = Inbound(
            event_id=event.key,
            kind=InboundKind.WELCOME,
            customer=customer,
            channel=channel,
            at=self.clock(),
            data={"kf_url": kf_url} if kf_url else {},
        )
        turn = await self.conversation.respond(event.conversation, inbound)
        text = "\n".join(m.text for m in turn.messages if m.text and m.attachment is None)
        attachments = [to_kf_payload(m) for m in turn.messages if m.attachment is not None][:9]
        if not text and not attachments:
            return
        payload: dict[str, object] = {"welcome_code": code}
        if text:
            payload["text"] = {"content": text}
        if attachments:
            payload["attachments"] = attachments
        created = unix_time(event.data.get("CreateTime"), event.received)

        async def code_valid_until() -> float:
            return created + WELCOME_CODE_TTL_S

        send = Send("welcome", "externalcontact/send_welcome_msg", payload, customer, event.key)
        result = await self.outbox.send_once(self.sender, msgid, send, code_valid_until, status=status,
                                             expected=frozenset({WELCOME_USED}))
        # the code works once: refused after a try of ours that may have reached WeCom (no answer in time, a
        # crash mid-send), it was most likely that try that used it (WeCom says nothing of who did)
        ours = result.errcode == WELCOME_USED and result.uncertain
        sent = result.outcome not in _NOT_SENT or ours
        if result.errcode == WELCOME_USED and not ours:
            log.info("welcome code already used (another sender or the admin console welcome)")
        elif sent:
            await self.tell(WELCOMED, customer, self.clock(), event.conversation, channel=channel)
        eventlog.reply("welcome", event.conversation, turn, int(sent))

    # -- members of the corp writing to the app --------------------------------------------------
    async def app_message(self, event: Event) -> None:
        data = event.data
        member = data.get("FromUserName", "")
        inbound = Inbound(
            event_id=event.key,
            kind=message_kind(data.get("MsgType", "")),
            customer=member,
            text=data.get("Content", ""),
            at=unix_time(data.get("CreateTime"), self.clock()),
        )
        turn = await self.conversation.respond(event.conversation, inbound)
        sent = await self.send_app(event.key, member, turn.messages, event.received)
        eventlog.reply("app", event.conversation, turn, sent)

    async def send_app(self, event_key: str, member: str, messages: list[Outbound], received: float) -> int:
        """Send a turn to a member through the app; returns how many messages went out."""
        if self.agent_id is None:
            log.warning("WECOM_AGENT_ID is not set: cannot answer members writing to the app")
            return 0
        sent = 0
        statuses = await self.outbox.statuses(event_key)

        async def window() -> float:
            return received + APP_REPLY_WINDOW_S

        for index, message in enumerate(messages):
            msgid = message_id(event_key, index)
            if statuses.get(msgid) in FINAL or not message.text:
                continue
            payload = {"touser": member, "msgtype": "text", "agentid": self.agent_id, "text": {"content": message.text}}
            send = Send("app", "message/send", payload, member, event_key)
            result = await self.outbox.send_once(self.sender, msgid, send, window, status=statuses.get(msgid))
            sent += int(result.outcome not in _NOT_SENT)
        return sent
