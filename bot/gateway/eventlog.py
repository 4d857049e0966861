"""The operator's view of traffic: one INFO line per inbound event, one per reply batch.

Lines name the conversation by a hash of its key (bot.logging_setup.conversation_tag) and never carry what
a customer wrote; replies are described by the content keys that produced them (persona message keys,
faq:<id>, card:<product>), which are the operator's own words, not the customer's.
"""

from __future__ import annotations

import logging
import time

from bot.conversation import Turn
from bot.gateway.queue import Event
from bot.logging_setup import conversation_tag

UNKNOWN_LOG = "siyu:log:unknown_callbacks"  # callbacks and events the bot cannot act on, kept for operators

log = logging.getLogger("siyu.traffic")

_TYPE_FIELD = {"kf_message": "msgtype", "app_message": "MsgType", "kf_event": "event_type",
               "external_contact": "ChangeType", "external_chat": "ChangeType", "timer": "kind"}


def inbound(event: Event) -> None:
    waited_ms = max(0.0, (time.time() - event.received) * 1000) if event.received else 0.0  # stamped by Queue.put
    detail = event.data.get(_TYPE_FIELD.get(event.kind, ""), "")
    log.info("in %s%s conv=%s event=%s queued %.0f ms", event.kind, f"/{detail}" if detail else "",
             conversation_tag(event.conversation), event.key, waited_ms)


def reply(channel: str, conversation: str, turn: Turn, sent: int) -> None:
    if not turn.messages and not turn.handover:
        return
    labels = ",".join(message.label or "text" for message in turn.messages) or "-"
    log.info("out %s conv=%s sent %d of %d [%s]%s", channel, conversation_tag(conversation), sent,
             len(turn.messages), labels, " handover" if turn.handover else "")
