"""The callback cipher against independent vectors, wechatpy, and every malformed input."""

from __future__ import annotations

import base64

import pytest
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.protocol.callback import Kind, MalformedXML, classify, encrypted_field
from bot.protocol.crypto import CallbackCipher, CryptoError
from tests.wecom import AES_KEY, CORP_ID, TOKEN, VECTORS, callback, cipher, event

CASES = {case["kind"]: case for case in VECTORS["cases"]}


def test_vector_url_verification() -> None:
    q = CASES["url_verification"]["query"]
    c = cipher()
    c.verify(q["msg_signature"], q["timestamp"], q["nonce"], q["echostr"])
    assert c.decrypt(q["echostr"]) == CASES["url_verification"]["expected_plaintext"]


@pytest.mark.parametrize("kind", ["text_message", "add_external_contact", "kf_msg_or_event"])
def test_vectors_decrypt(kind: str) -> None:
    case = CASES[kind]
    q = case["query"]
    encrypted = encrypted_field(case["body"].encode())
    cipher().verify(q["msg_signature"], q["timestamp"], q["nonce"], encrypted)
    assert cipher().decrypt(encrypted) == case["expected_plaintext"]


def test_vector_passive_reply_decrypts() -> None:
    case = CASES["passive_reply_from_official_sample"]
    assert cipher().decrypt(encrypted_field(case["body"].encode())) == case["expected_plaintext"]


def test_vector_bad_signature_is_403() -> None:
    case = CASES["bad_signature"]
    q = case["query"]
    with pytest.raises(CryptoError) as caught:
        cipher().verify(
            q["msg_signature"], q["timestamp"], q["nonce"], encrypted_field(case["body"].encode())
        )
    assert caught.value.status == 403


def test_our_encryption_is_what_wechatpy_reads() -> None:
    plaintext = event("change_external_contact", ChangeType="add_external_contact", WelcomeCode="W1")
    query, body = callback(plaintext)
    theirs = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    assert (
        theirs.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"]) == plaintext
    )


def test_wechatpy_encryption_is_what_we_read() -> None:
    reply = WeChatCrypto(TOKEN, AES_KEY, CORP_ID).encrypt_message("<xml><A>1</A></xml>", "77", "1700000000")
    assert cipher().decrypt(encrypted_field(reply.encode())) == "<xml><A>1</A></xml>"


def test_passive_reply_round_trip() -> None:
    xml = cipher().passive_reply("<xml><Content>收到啦~</Content></xml>", "1700000000", "5")
    theirs = WeChatCrypto(TOKEN, AES_KEY, CORP_ID)
    from wechatpy.utils import to_text  # noqa: F401  (wechatpy parses its own reply format)

    signature = xml.split("<MsgSignature><![CDATA[")[1].split("]]>")[0]
    assert (
        theirs.decrypt_message(xml, signature, "1700000000", "5") == "<xml><Content>收到啦~</Content></xml>"
    )


@pytest.mark.parametrize(
    ("encrypted", "status"),
    [
        ("not base64 at all!", 400),
        (base64.b64encode(b"short").decode(), 400),  # not a whole AES block
        (base64.b64encode(bytes(32)).decode(), 400),  # zero padding byte
    ],
)
def test_malformed_ciphertext(encrypted: str, status: int) -> None:
    with pytest.raises(CryptoError) as caught:
        cipher().decrypt(encrypted)
    assert caught.value.status == status


def test_wrong_receiveid_is_403() -> None:
    other = CallbackCipher(TOKEN, AES_KEY, "wwOTHERCORP")
    with pytest.raises(CryptoError) as caught:
        cipher().decrypt(other.encrypt("<xml/>"))
    assert caught.value.status == 403


def test_parser_refuses_entities_and_dtds() -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><MsgType>&a;</MsgType></xml>'
    with pytest.raises(MalformedXML):
        classify(bomb)
    with pytest.raises(MalformedXML):
        classify("<xml><MsgType>text</MsgType>")
    with pytest.raises(MalformedXML):
        classify("<notxml/>")
    with pytest.raises(MalformedXML):
        encrypted_field(b"<xml><ToUserName>x</ToUserName></xml>")


def test_dedup_keys_distinguish_events_sharing_a_create_time() -> None:
    a = classify(
        event(
            "change_external_contact",
            ChangeType="add_external_contact",
            UserID="u",
            ExternalUserID="c1",
            CreateTime=1700000000,
        )
    )
    b = classify(
        event(
            "change_external_contact",
            ChangeType="add_external_contact",
            UserID="u",
            ExternalUserID="c2",
            CreateTime=1700000000,
        )
    )
    c = classify(
        event(
            "change_external_contact",
            ChangeType="edit_external_contact",
            UserID="u",
            ExternalUserID="c1",
            CreateTime=1700000000,
        )
    )
    assert len({a.dedup_key, b.dedup_key, c.dedup_key}) == 3
    assert a.kind is Kind.EXTERNAL_CONTACT
    assert classify(event("kf_msg_or_event", Token="T1", OpenKfId="wk1")).dedup_key == "kf:T1"
    assert classify(event("whatever_new")).kind is Kind.UNKNOWN
