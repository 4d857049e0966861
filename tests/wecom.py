"""Build callbacks exactly as WeCom does: encrypt, sign, wrap."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from bot.protocol.crypto import CallbackCipher

# independent vectors from shared/vectors (copied here so the tests do not depend on the layout around)
VECTORS: dict[str, Any] = json.loads((Path(__file__).parent / "data" / "wecom_callback.json").read_text())
TOKEN = "QDG6eK"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
CORP_ID = "wx5823bf96d3bd56c7"


def cipher() -> CallbackCipher:
    return CallbackCipher(TOKEN, AES_KEY, CORP_ID)


_nonce = iter(range(10**6, 10**9))


def callback(
    plaintext: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    with_cipher: CallbackCipher | None = None,
) -> tuple[dict[str, str], str]:
    """(query, body) of a POST callback carrying plaintext."""
    ts = str(timestamp or int(time.time()))
    nonce = nonce or str(next(_nonce))
    encrypted, signature = (with_cipher or cipher()).seal(plaintext, ts, nonce)
    body = (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
        "<AgentID><![CDATA[1000002]]></AgentID></xml>"
    )
    return {"msg_signature": signature, "timestamp": ts, "nonce": nonce}, body


def text_message(sender: str, content: str, msg_id: str, created: int | None = None) -> str:
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[{sender}]]>"
        f"</FromUserName><CreateTime>{created or int(time.time())}</CreateTime><MsgType><![CDATA[text]]>"
        f"</MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>"
        "<AgentID>1000002</AgentID></xml>"
    )


def event(event_name: str, **fields: Any) -> str:
    created = fields.pop("CreateTime", int(time.time()))
    parts = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
    return (
        f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[sys]]>"
        f"</FromUserName><CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
        f"<Event><![CDATA[{event_name}]]></Event>{parts}</xml>"
    )
