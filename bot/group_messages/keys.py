"""The operator's RSA private keys for 会话内容存档, by public-key version.

WeCom encrypts each message's random key with the public key of a given version (publickey_ver); keys
are rotated in the admin console, so several versions live side by side. The configuration names them
as `version:path` pairs, e.g. `SIYU_MSGAUDIT_KEYS=1:/etc/siyu/msgaudit_v1.pem,2:/etc/siyu/msgaudit_v2.pem`.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class CannotDecrypt(Exception):
    """A message cannot be opened: no key of its version, or the key does not fit."""


class KeyRing:
    def __init__(self, keys: dict[int, rsa.RSAPrivateKey]) -> None:
        self.keys = keys

    @classmethod
    def parse(cls, spec: str) -> tuple[KeyRing, list[str]]:
        """Read `version:path,...`; returns the ring and one problem line per mistake."""
        keys: dict[int, rsa.RSAPrivateKey] = {}
        problems = []
        for part in (p.strip() for p in spec.split(",") if p.strip()):
            version, sep, path = part.partition(":")
            if not sep or not version.strip().isdecimal():
                problems.append(f"SIYU_MSGAUDIT_KEYS 写得不对：应当是 版本:路径，现在是 {part!r}")
                continue
            try:
                key = serialization.load_pem_private_key(Path(path.strip()).expanduser().read_bytes(), None)
            except OSError as error:
                problems.append(f"SIYU_MSGAUDIT_KEYS 不对：读不了版本 {version} 的私钥：{error.strerror}")
                continue
            except (ValueError, TypeError):
                problems.append(f"SIYU_MSGAUDIT_KEYS 不对：版本 {version} 不是没有加密的 PEM 私钥")
                continue
            if not isinstance(key, rsa.RSAPrivateKey):
                problems.append(f"SIYU_MSGAUDIT_KEYS 不对：版本 {version} 不是 RSA 私钥")
                continue
            keys[int(version)] = key
        if not keys and not problems:
            problems.append("SIYU_MSGAUDIT_KEYS 是空的：至少写一个 版本:路径")
        return cls(keys), problems

    def open_random_key(self, version: int, encrypted_b64: str) -> str:
        """RSA-decrypt a message's encrypt_random_key (PKCS#1 v1.5, as WeCom encrypts it)."""
        key = self.keys.get(version)
        if key is None:
            raise CannotDecrypt(f"no private key of version {version} (configured: {sorted(self.keys)})")
        try:
            opened = key.decrypt(base64.b64decode(encrypted_b64), padding.PKCS1v15())
        except (ValueError, binascii.Error) as error:
            raise CannotDecrypt(f"the key of version {version} does not open this message: {error}") from error
        # OpenSSL answers a wrong key with random bytes (implicit rejection), not an error; WeCom's random
        # keys are printable ASCII, so anything else means the key does not fit
        if not opened or not all(32 < byte < 127 for byte in opened):
            raise CannotDecrypt(f"the key of version {version} does not open this message")
        return opened.decode()
