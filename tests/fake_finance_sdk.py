"""A fake of the Finance SDK binding: archived messages with real RSA-wrapped random keys.

Each message's random key is encrypted with the public key of a version, exactly as WeCom does, so the
bot's key ring does real work; the message body is sealed with a keyed XOR stream (what the real SDK's
DecryptData does internally is its own business) and opening it with the wrong key fails with 10006.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import secrets
import string
from typing import Any

from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bot.group_messages.finance_sdk import FinanceSdkError


def _stream(key: str, size: int) -> bytes:
    out = b""
    for block in itertools.count():
        if len(out) >= size:
            return out[:size]
        out += hashlib.sha256(f"{key}/{block}".encode()).digest()
    return out


class FakeFinanceSdk:
    def __init__(self, public_keys: dict[int, rsa.RSAPublicKey]) -> None:
        self.public_keys = public_keys
        self.log: list[dict[str, Any]] = []
        self.calls: list[tuple[int, int]] = []
        self.failures: list[str] = []  # GetChatData answers: "sdk" raises, anything else is an errcode

    def add(self, message: dict[str, Any], *, version: int = 1) -> int:
        seq = len(self.log) + 1
        random_key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        wrapped = self.public_keys[version].encrypt(random_key.encode(), padding.PKCS1v15())
        body = json.dumps(message, ensure_ascii=False).encode()
        digest = hashlib.sha256(random_key.encode() + body).hexdigest()[:8]
        sealed = bytes(a ^ b for a, b in zip(body, _stream(random_key, len(body)), strict=True))
        self.log.append({"seq": seq, "msgid": message.get("msgid", f"m{seq}"), "publickey_ver": version,
                         "encrypt_random_key": base64.b64encode(wrapped).decode(),
                         "encrypt_chat_msg": digest + base64.b64encode(sealed).decode()})
        return seq

    def get_chat_data(self, seq: int, limit: int) -> str:
        self.calls.append((seq, limit))
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "sdk":
                raise FinanceSdkError(10001, "network error")
            return json.dumps({"errcode": int(failure), "errmsg": "injected"})
        batch = [item for item in self.log if item["seq"] > seq][:limit]
        return json.dumps({"errcode": 0, "errmsg": "ok", "chatdata": batch})

    def decrypt_data(self, random_key: str, encrypted: str) -> str:
        digest, sealed = encrypted[:8], base64.b64decode(encrypted[8:])
        body = bytes(a ^ b for a, b in zip(sealed, _stream(random_key, len(sealed)), strict=True))
        if hashlib.sha256(random_key.encode() + body).hexdigest()[:8] != digest:
            raise FinanceSdkError(10006, "decryption failed")
        return body.decode()


def group_message(msgid: str, room: str, sender: str, text: str, *, msgtime_ms: int = 1_700_000_000_000,
                  msgtype: str = "text", **body: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"msgid": msgid, "action": "send", "from": sender, "tolist": ["anna", "wmOther"],
                               "roomid": room, "msgtime": msgtime_ms, "msgtype": msgtype}
    message[msgtype] = body or {"content": text}
    return message
