"""The one interface between the gateway and whatever holds the conversation.

The gateway turns every channel (kf chat, new-contact welcome, kf enter_session, members writing to
the app, durable timers) into an Inbound for a conversation key; the conversation answers with a Turn.
Implementations must be idempotent per Inbound.event_id: a redelivered event gets the same Turn.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class InboundKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    VOICE = "voice"
    VIDEO = "video"
    FILE = "file"
    STICKER = "sticker"
    LOCATION = "location"
    LINK = "link"
    OTHER = "other"  # any other message type WeCom may add
    WELCOME = "welcome"  # a new external contact: the welcome flow's first words
    ENTER_SESSION = "enter_session"  # a customer opened the kf chat
    TIMER = "timer"  # a durable timer that the conversation itself set has fired
    HANDBACK = "handback"  # the human ended the conversation they had taken over: the bot may speak again
    FOLLOWUP = "followup"  # a follow-up step is due: data holds what to say (bot/followups)
    RECALL = "recall"  # the customer recalled a message: data[RECALLED] is its msgid (bot/engine/recalled.py)


MSGID = "msgid"  # a customer message's data: WeCom's msgid, which a later RECALL names
RECALLED = "recall_msgid"  # a RECALL's data: the msgid of the message she took back
FIRST_TEXT = "first_text"  # an enter_session's data: what she wrote right after opening the chat ("" if no text)


@dataclass(frozen=True, slots=True)
class Inbound:
    event_id: str
    kind: InboundKind
    customer: str  # external_userid, or the member's userid for app messages
    text: str = ""
    channel: str = ""  # acquisition channel: contact-me State or kf scene_param
    at: float = 0.0  # unix seconds when the customer acted
    data: dict[str, str] = field(default_factory=dict)  # kf: open_kfid, service_state (as the gateway saw it),
    # FIRST_TEXT on an enter_session whose welcome waited for her first message (bot/gateway/kf_welcome.py)


@dataclass(frozen=True, slots=True)
class Outbound:
    """One message. `text` for text; `attachment` is a WeCom link/miniprogram/image object."""

    text: str = ""
    attachment: dict[str, Any] | None = None
    label: str = ""  # what produced it (persona key, faq:<id>, card): for logs, /debug and tests


@dataclass(frozen=True, slots=True)
class Turn:
    messages: list[Outbound] = field(default_factory=list)
    handover: bool = False  # hand the customer to a human (the bot then stays silent)


class ConversationBusy(RuntimeError):
    """Another process is in the middle of this conversation: try again shortly (not a failure)."""


class Conversation(Protocol):
    async def respond(self, key: str, inbound: Inbound) -> Turn: ...
