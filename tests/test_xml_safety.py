"""The callback XML parser refuses every DTD trick and still reads any text a customer can write."""

from __future__ import annotations

import random

import pytest

from bot.protocol.callback import MalformedXML, _flat_fields, classify, encrypted_field, flatten, parse_xml, read_fields
from tests.wecom import text_message

ATTACKS = [
    # billion laughs: nested internal entities
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><xml><MsgType>&lol3;</MsgType></xml>',
    # XXE: an external entity reading a local file
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><MsgType>&xxe;</MsgType></xml>",
    # parameter entity fetched from outside
    '<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd">%remote;]><xml><MsgType>t</MsgType></xml>',
    # an external DTD alone
    '<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/x.dtd"><xml><MsgType>t</MsgType></xml>',
    # DTD hidden after a comment and a processing instruction, or with odd case / spacing
    '<?xml version="1.0"?><!-- hi --><?pi x?><!DOCTYPE xml [<!ENTITY a "b">]><xml><MsgType>&a;</MsgType></xml>',
    '<!doctype xml [<!ENTITY a "b">]><xml><MsgType>&a;</MsgType></xml>',
    "\ufeff<!DOCTYPE xml><xml><MsgType>t</MsgType></xml>",
    # an entity that was never declared, and a DOCTYPE inside the document
    "<xml><MsgType>&undeclared;</MsgType></xml>",
    '<xml><!DOCTYPE x [<!ENTITY a "b">]><MsgType>t</MsgType></xml>',
]


@pytest.mark.parametrize("document", ATTACKS)
def test_dtd_and_entity_attacks_are_refused(document: str) -> None:
    with pytest.raises(MalformedXML):
        parse_xml(document)
    with pytest.raises(MalformedXML):
        parse_xml(document.encode())


@pytest.mark.parametrize("text", ["<!DOCTYPE html>", '<!ENTITY a "b">', "&lol;", "]]>x", "<xml>", "&amp;"])
def test_customer_text_that_looks_like_markup_is_just_text(text: str) -> None:
    escaped = text.replace("]]>", "]]]]><![CDATA[>")  # how a CDATA section carries "]]>"
    callback = classify(text_message("member1", escaped, "1234567"))
    assert callback.fields["Content"] == text


def test_bytes_must_be_utf8() -> None:
    with pytest.raises(MalformedXML):
        encrypted_field("<xml><Encrypt>abc</Encrypt><Note>中文</Note></xml>".encode("gbk"))
    assert encrypted_field(b"<xml><Encrypt>abc</Encrypt></xml>") == "abc"


ENVELOPES = [
    b"<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt>"
    b"<AgentID><![CDATA[1000002]]></AgentID></xml>",
    b"<xml>\n  <AgentID>1</AgentID>\n  <Encrypt><![CDATA[abc=]]></Encrypt>\n  <ToUserName><![CDATA[ww1]]></ToUserName>\n</xml>\n",
    b"<xml><Encrypt><![CDATA[abc]]></Encrypt></xml>",
    # shapes the fast path does not take: the parser reads them the same way
    b'<?xml version="1.0" encoding="utf-8"?><xml><Encrypt><![CDATA[abc]]></Encrypt></xml>',
    b"<xml><Encrypt>abc</Encrypt><Extra>x</Extra></xml>",
    b"<xml><!-- c --><Encrypt><![CDATA[abc]]></Encrypt></xml>",
]


@pytest.mark.parametrize("body", ENVELOPES)
def test_the_envelope_fast_path_reads_what_the_parser_reads(body: bytes) -> None:
    from bot.protocol.callback import flatten

    assert encrypted_field(body) == flatten(parse_xml(body))["Encrypt"]


@pytest.mark.parametrize("body", [
    b'<!DOCTYPE xml [<!ENTITY a "b">]><xml><Encrypt><![CDATA[abc]]></Encrypt></xml>',
    b"<xml><Encrypt><![CDATA[abc]]></Encrypt></xml><xml>",
    b"<xml><Encrypt><![CDATA[abc]]></Encrypt>",
    b"<xml><ToUserName>&x;</ToUserName><Encrypt><![CDATA[abc]]></Encrypt></xml>",
    b"<xml><Encrypt></Encrypt></xml>",
])
def test_envelopes_the_fast_path_refuses_still_meet_the_parser(body: bytes) -> None:
    with pytest.raises(MalformedXML):
        encrypted_field(body)


def _reading(text: str) -> dict[str, str] | str:
    try:
        return flatten(parse_xml(text))
    except MalformedXML:
        return "malformed"


def _fast_reading(text: str) -> dict[str, str] | str:
    try:
        return read_fields(text)
    except MalformedXML:
        return "malformed"


PIECES = ["a", "包邮吗", " ", "\n", "\t", "\r", "\r\n", "]", "]]", "]]>", ">", "<", "&", "&amp;", "&#20013;", "<![CDATA[",
          "\x01", "\x0b", "\ufffe", "\u3000", "\ud83d\ude00", "😀", "<B>x</B>", "<!-- c -->", "<?pi x?>", "'", '"']
NAMES = ["MsgType", "Content", "A", "_x", "a1", "a-b", "a.b", "名", "1a", "xml"]


def _random_document(chance: random.Random) -> str:
    def content() -> str:
        text = "".join(chance.choice(PIECES) for _ in range(chance.randrange(4)))
        return f"<![CDATA[{text}]]>" if chance.random() < 0.5 else text

    elements = []
    for _ in range(chance.randrange(5)):
        name = chance.choice(NAMES)
        close = name if chance.random() < 0.95 else chance.choice(NAMES)
        space = chance.choice(["", "", " ", "\n  ", "\r\n", "x"])
        elements.append(f"{space}<{name}>{content()}</{close}>")
    head = chance.choice(["<xml>"] * 8 + [" <xml>", '<?xml version="1.0"?><xml>', "<xml a='1'>", "\ufeff<xml>", "<XML>"])
    tail = chance.choice(["</xml>"] * 8 + ["</xml>\n", "</xml>x", "", "</xml><!-- c -->", "\n</xml>"])
    return head + "".join(elements) + tail


def test_the_flat_reading_is_the_parsers_reading_on_random_documents() -> None:
    chance = random.Random(8)
    fast = 0
    for _ in range(20_000):
        document = _random_document(chance)
        assert _fast_reading(document) == _reading(document), document
        fast += _flat_fields(document) is not None
    assert fast > 2_000  # the fast reading did take part


def test_a_wecom_message_is_read_without_the_parser() -> None:
    plaintext = text_message("wmUser", "包邮吗？<>&]] 😀", "1")
    assert _flat_fields(plaintext) == flatten(parse_xml(plaintext))
    assert classify(plaintext).fields["Content"] == "包邮吗？<>&]] 😀"
