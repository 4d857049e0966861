"""Redis over TLS (rediss://): the batched scripts take a pooled redis-py connection instead of the lean one
(lean.py speaks plain TCP and Unix sockets only). Run against a real redis-server with TLS on, certificate
made here."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.store.base import Writes
from bot.store.redis import RedisStore
from tests.fault_kit import REDIS_SERVER, free_port


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _tls_handshake(port: int, cert: Path) -> bool:
    context = ssl.create_default_context(cafile=str(cert))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as raw, \
                context.wrap_socket(raw, server_hostname="127.0.0.1") as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def tls_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which(REDIS_SERVER) is None and not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed (.ci/run installs it)")
    folder = tmp_path_factory.mktemp("tls-redis")
    cert, key = _certificate(folder)
    port = free_port()
    process = subprocess.Popen(
        [REDIS_SERVER, "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1", "--tls-cert-file", str(cert),
         "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no", "--save", "",
         "--appendonly", "no", "--dir", str(folder), "--logfile", str(folder / "redis.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not _tls_handshake(port, cert):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server with TLS did not start: " + (folder / "redis.log").read_text()[-500:])
            time.sleep(0.05)
        yield f"rediss://127.0.0.1:{port}/0?ssl_ca_certs={cert}&ssl_cert_reqs=required"
    finally:
        process.kill()
        process.wait(10)


@pytest.fixture
async def tls_store(tls_redis: str) -> AsyncIterator[RedisStore]:
    store = RedisStore(tls_redis)
    await store._redis.flushdb()
    yield store
    await store.close()


async def test_tls_takes_the_pooled_path_and_the_turn_scripts_work(tls_store: RedisStore) -> None:
    assert tls_store._lean is None  # lean.py would send plain text to a TLS port
    taken, values = await tls_store.lock_and_get_many("siyu:lock:c1", "owner1", 4000, ["s:c1", "p:c1"])
    assert taken and values == [None, None]
    writes = Writes()
    writes.set("s:c1", '{"turns":1}', ttl_ms=60_000)
    writes.zadd("siyu:timers", "m1", 10.0)
    assert await tls_store.commit_and_release("siyu:lock:c1", "owner1", writes)
    taken, values = await tls_store.lock_and_get_many("siyu:lock:c1", "owner2", 4000, ["s:c1", "p:c1"])
    assert taken and values == ['{"turns":1}', None]
    assert not (await tls_store.lock_and_get_many("siyu:lock:c1", "owner3", 4000, ["s:c1"]))[0]  # held


async def test_tls_concurrent_calls_share_a_batch_and_each_gets_its_own_answer(tls_store: RedisStore) -> None:
    results = await asyncio.gather(*(tls_store.lock_and_get_many(f"siyu:lock:k{n}", f"o{n}", 4000, [f"v{n}"])
                                     for n in range(200)))
    assert all(taken for taken, _ in results)
    ids = await asyncio.gather(*(tls_store.enqueue_once(f"dedup:{n % 100}", 60_000, "siyu:q:0", {"n": str(n)})
                                 for n in range(200)))
    assert sum(1 for entry in ids if entry is not None) == 100  # each dedup key once


async def test_tls_scripts_come_back_after_redis_forgets_them(tls_store: RedisStore) -> None:
    assert (await tls_store.lock_and_get_many("siyu:lock:a", "o", 4000, []))[0]
    await tls_store._redis.script_flush()  # as after a restart: EVALSHA answers NOSCRIPT
    assert (await tls_store.lock_and_get_many("siyu:lock:b", "o", 4000, []))[0]
    assert await tls_store.commit_and_release("siyu:lock:b", "o", Writes())
