"""WeCom's callback cipher (the "安全模式" of self-built apps).

Decryption runs on `cryptography` directly (one Cipher per key, a decryptor per message) and is checked
strictly here (base64, block size, PKCS#7 padding, declared length, receiveid) because each failure must
map to its own HTTP answer and wechatpy's own decrypt accepts malformed input silently. Encryption (tests,
passive replies) uses wechatpy's framing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from wechatpy.enterprise.crypto import PrpCrypto

BLOCK = 32  # WeCom pads to 32 bytes, not AES's 16


class CryptoError(Exception):
    """The request cannot be decrypted; `status` is the HTTP answer it deserves."""

    def __init__(self, status: int, reason: str, *, undecryptable: bool = False) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        # well-formed ciphertext that decrypts to no WeCom plaintext: after a valid signature, another key's
        self.undecryptable = undecryptable


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


class CallbackCipher:
    def __init__(self, token: str, aes_key: str, receive_id: str) -> None:
        key = base64.b64decode(aes_key + "=")
        if len(key) != 32:
            raise ValueError("EncodingAESKey must decode to 32 bytes")
        self.token = token
        self.receive_id = receive_id
        self._key = key
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))  # WeCom's IV is the key's first half

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        expected = signature(self.token, timestamp, nonce, encrypted)
        if not hmac.compare_digest(expected.encode(), msg_signature.lower().encode()):
            raise CryptoError(403, "bad signature")

    def decrypt(self, encrypted: str) -> str:
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as error:
            raise CryptoError(400, "ciphertext is not base64") from error
        if not raw or len(raw) % 16:
            raise CryptoError(400, "ciphertext length is not a whole number of AES blocks")
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError(400, "bad padding", undecryptable=True)
        body = plain[16:-pad]
        if len(body) < 4:
            raise CryptoError(400, "plaintext too short", undecryptable=True)
        (length,) = struct.unpack(">I", body[:4])
        if length > len(body) - 4:
            raise CryptoError(400, "declared length exceeds plaintext", undecryptable=True)
        message, receive_id = body[4 : 4 + length], body[4 + length :]
        if not hmac.compare_digest(receive_id, self.receive_id.encode()):
            raise CryptoError(403, "receiveid does not match the CorpID")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as error:
            raise CryptoError(400, "plaintext is not UTF-8", undecryptable=True) from error

    def encrypt(self, message: str) -> str:
        """Encrypt as WeCom does (random 16-byte prefix, length, message, receiveid, PKCS#7/32)."""
        return str(PrpCrypto(self._key).encrypt(message, self.receive_id).decode())

    def seal(self, message: str, timestamp: str, nonce: str) -> tuple[str, str]:
        """Encrypt and sign: returns (encrypted, msg_signature)."""
        encrypted = self.encrypt(message)
        return encrypted, signature(self.token, timestamp, nonce, encrypted)

    def passive_reply(self, message: str, timestamp: str, nonce: str) -> str:
        encrypted, sig = self.seal(message, timestamp, nonce)
        return (
            f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{sig}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>"
        )
