"""Parse decrypted WeCom callbacks into typed, deduplicable events.

XML is parsed with defusedxml (no DTDs, no entities). wechatpy 1.8.18 knows none of the
external-contact, customer-group or kf events, so the fields are read here directly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import cast
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring


class MalformedXML(ValueError):
    pass


class Kind(StrEnum):
    APP_MESSAGE = "app_message"  # a member of the corp writing to the self-built app
    EXTERNAL_CONTACT = "external_contact"  # change_external_contact
    EXTERNAL_CHAT = "external_chat"  # change_external_chat
    KF = "kf"  # kf_msg_or_event: pull with kf/sync_msg
    MSGAUDIT = "msgaudit"  # msgaudit_notify: new archived messages, pull with the Finance SDK
    HIT_KEYWORD = "hit_keyword"  # a 数据与智能专区 keyword rule was hit: read get_hit_msg_list
    APP_EVENT = "app_event"  # app events the bot does not act on (enter_agent, ...)
    UNKNOWN = "unknown"


_APP_EVENTS = frozenset({"enter_agent", "subscribe", "unsubscribe", "location", "click", "view"})


@dataclass(frozen=True, slots=True)
class Callback:
    kind: Kind
    fields: dict[str, str]
    dedup_key: str
    conversation: str  # events with the same conversation are processed in order

    @property
    def event(self) -> str:
        return self.fields.get("Event", "")


def parse_xml(text: str | bytes) -> Element:
    try:
        root = fromstring(text, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise MalformedXML(str(error)) from error
    if root.tag != "xml":
        raise MalformedXML(f"root element is <{root.tag}>, expected <xml>")
    return cast(Element, root)


def flatten(root: Element) -> dict[str, str]:
    """Top-level fields as text; nested lists (MemChangeList) as comma-joined item texts."""
    fields: dict[str, str] = {}
    for child in root:
        if len(child):
            fields[child.tag] = ",".join((item.text or "").strip() for item in child)
        else:
            fields[child.tag] = (child.text or "").strip()
    return fields


def encrypted_field(body: bytes) -> str:
    fields = flatten(parse_xml(body))
    encrypted = fields.get("Encrypt", "")
    if not encrypted:
        raise MalformedXML("no <Encrypt> element")
    return encrypted


def classify(plaintext: str) -> Callback:
    fields = flatten(parse_xml(plaintext))
    if fields.get("InfoType") == "hit_keyword":  # the 会话存档接口授权 form: no MsgType, a Token
        token = fields.get("Token") or _digest(plaintext)
        return Callback(Kind.HIT_KEYWORD, fields, f"hitkw:{token}", "hitkw")
    msg_type = fields.get("MsgType", "")
    if not msg_type:
        raise MalformedXML("no <MsgType> element")
    sender = fields.get("FromUserName", "")
    created = fields.get("CreateTime", "")
    event = fields.get("Event", "")
    if msg_type != "event":
        msg_id = fields.get("MsgId") or _digest(plaintext)
        return Callback(Kind.APP_MESSAGE, fields, f"msg:{msg_id}", f"app:{sender}")
    if event == "change_external_contact":
        parts = [
            sender,
            created,
            event,
            fields.get("ChangeType", ""),
            fields.get("UserID", ""),
            fields.get("ExternalUserID", ""),
        ]
        conversation = f"ext:{fields.get('UserID', '')}:{fields.get('ExternalUserID', '')}"
        return Callback(Kind.EXTERNAL_CONTACT, fields, "ev:" + ":".join(parts), conversation)
    if event == "change_external_chat":
        parts = [
            sender,
            created,
            event,
            fields.get("ChangeType", ""),
            fields.get("UpdateDetail", ""),
            fields.get("ChatId", ""),
            _digest(fields.get("MemChangeList", "")),
        ]
        return Callback(Kind.EXTERNAL_CHAT, fields, "ev:" + ":".join(parts), f"chat:{fields.get('ChatId')}")
    if event == "kf_msg_or_event":
        # the Token is new for every notification and identical in WeCom's retries of it
        token = fields.get("Token") or _digest(plaintext)
        return Callback(Kind.KF, fields, f"kf:{token}", f"kfsync:{fields.get('OpenKfId', '')}")
    if event == "msgaudit_notify":  # at most one every 15 s; a pull reads everything new anyway
        return Callback(Kind.MSGAUDIT, fields, f"msgaudit:{created}:{_digest(plaintext)}", "msgaudit")
    if event == "hit_keyword":
        token = fields.get("Token") or _digest(plaintext)
        return Callback(Kind.HIT_KEYWORD, fields, f"hitkw:{token}", "hitkw")
    kind = Kind.APP_EVENT if event in _APP_EVENTS else Kind.UNKNOWN
    return Callback(kind, fields, f"ev:{_digest(plaintext)}", f"app:{sender}")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:20]
