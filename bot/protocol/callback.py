"""Parse decrypted WeCom callbacks into typed, deduplicable events.

XML is parsed by the C ElementTree parser (expat) after refusing any document that declares a DTD: without
a DTD there are no entity definitions, so no entity expansion (billion laughs) and no external entities
(XXE); expat itself rejects references to undefined entities. It costs less than half of what
defusedxml's pure-Python parser did per callback. wechatpy 1.8.18 knows none of the external-contact,
customer-group or kf events, so the fields are read here directly.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from xml.etree.ElementTree import Element, ParseError, fromstring


class MalformedXML(ValueError):
    """`group`: what this kind of mistake is called whatever its particulars (a parse error's line and column,
    the root element's name): the log throttles each group on its own, so a DTD attempt is never counted
    as a repeat of a truncated body."""

    def __init__(self, message: str, group: str | None = None) -> None:
        super().__init__(message)
        self.group = group or message


class Kind(StrEnum):
    APP_MESSAGE = "app_message"  # a member of the corp writing to the self-built app
    EXTERNAL_CONTACT = "external_contact"  # change_external_contact
    EXTERNAL_CHAT = "external_chat"  # change_external_chat
    EXTERNAL_TAG = "external_tag"  # change_external_tag: the corp's tag library changed
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


_FIRST_ELEMENT = re.compile(r"<[^!?]")  # a DOCTYPE, comments and the XML declaration start with <! or <?


def parse_xml(text: str | bytes) -> Element:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise MalformedXML("not UTF-8") from error
    first = _FIRST_ELEMENT.search(text)
    prolog = text[: first.start()] if first else text
    if "<!DOCTYPE" in prolog.upper():  # a DTD can only come before the root element
        raise MalformedXML("DTDs are not allowed (entity expansion / external entities)")
    try:
        root = fromstring(text)
    except (ParseError, ValueError) as error:
        raise MalformedXML(str(error), "not well-formed") from error
    if root.tag != "xml":
        raise MalformedXML(f"root element is <{root.tag}>, expected <xml>", "root element is not <xml>")
    return root


def flatten(root: Element) -> dict[str, str]:
    """Top-level fields as text; nested lists (MemChangeList) as comma-joined item texts."""
    fields: dict[str, str] = {}
    for child in root:
        if len(child):
            fields[child.tag] = ",".join((item.text or "").strip() for item in child)
        else:
            fields[child.tag] = (child.text or "").strip()
    return fields


# The envelope exactly as WeCom sends it (ToUserName / AgentID around one Encrypt, any order, optional
# whitespace): only well-formed XML matches, and the regex reads it in a tenth of a parser's time. Anything
# else goes through the parser and its checks.
_ENVELOPE = re.compile(
    rb"\s*<xml>\s*(?:<(ToUserName|AgentID)>(?:<!\[CDATA\[[^\]<>&]*\]\]>|[^<>&]*)</\1>\s*)*"
    rb"<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]></Encrypt>\s*"
    rb"(?:<(ToUserName|AgentID)>(?:<!\[CDATA\[[^\]<>&]*\]\]>|[^<>&]*)</\3>\s*)*</xml>\s*"
)


def encrypted_field(body: bytes) -> str:
    envelope = _ENVELOPE.fullmatch(body)
    if envelope is not None:
        return envelope.group(2).decode("ascii")
    fields = flatten(parse_xml(body))
    encrypted = fields.get("Encrypt", "")
    if not encrypted:
        raise MalformedXML("no <Encrypt> element")
    return encrypted


# A decrypted callback as WeCom writes it: <xml> and flat elements, each holding one CDATA section or plain
# text without markup, entities or "]". Such a document means the same to any XML parser, and reading it
# takes half the parser's time; anything else (an XML declaration, attributes, nested lists, comments,
# entities, a carriage return, a character XML forbids) goes through parse_xml and its checks.
_FLAT_ELEMENT = re.compile(r"[ \t\n]*<([A-Za-z_][A-Za-z0-9_]*)>(?:<!\[CDATA\[(.*?)\]\]>|([^<>&\]]*))</\1>", re.S)
_FLAT_END = re.compile(r"[ \t\n]*</xml>[ \t\n]*")
_NOT_PLAIN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]")


def _flat_fields(text: str) -> dict[str, str] | None:
    """flatten(parse_xml(text)) for a flat document, or None to leave it to the parser."""
    if not text.startswith("<xml>") or _NOT_PLAIN.search(text):
        return None
    fields: dict[str, str] = {}
    position, element = 5, _FLAT_ELEMENT.match
    while (found := element(text, position)) is not None:
        cdata = found.group(2)
        if cdata is not None and "]]>" in cdata:
            return None  # the section ended earlier than this match assumes
        fields[found.group(1)] = (found.group(3) if cdata is None else cdata).strip()
        position = found.end()
    return fields if _FLAT_END.fullmatch(text, position) else None


def read_fields(plaintext: str) -> dict[str, str]:
    """The top-level fields of a decrypted callback (flatten's reading)."""
    fields = _flat_fields(plaintext)
    return fields if fields is not None else flatten(parse_xml(plaintext))


def classify(plaintext: str) -> Callback:
    fields = read_fields(plaintext)
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
        if not sender:  # the answer would go to touser "": WeCom refuses it, retries end in a dead letter
            raise MalformedXML("no <FromUserName>")
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
    if event == "change_external_tag":
        parts = [sender, created, event, fields.get("ChangeType", ""), fields.get("TagType", ""), fields.get("Id", "")]
        return Callback(Kind.EXTERNAL_TAG, fields, "ev:" + ":".join(parts), "tags:library")
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
