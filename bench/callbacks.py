"""Callback intake: callbacks/s and ack latency of POST /wecom/callback, beside a floor handler.

    python -m bench.callbacks [--seconds 5] [--concurrency 64] [--redis redis://127.0.0.1:6379/14]

Both servers run on loopback in this process, driven by the same aiohttp client with the same number of
connections. The real endpoint verifies the signature, decrypts, parses, deduplicates and enqueues
(workers are off so that only the intake is measured); the floor only answers 200.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

import aiohttp
from aiohttp import web

from bench.common import percentile, table
from bot.app import build_app
from bot.config import Settings, default_content_dir
from bot.conversation import Inbound, Turn
from bot.protocol.crypto import CallbackCipher
from bot.store.factory import open_store

CORP_ID, TOKEN, AES_KEY = "wwbench0000000001", "benchToken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


class Silent:
    async def respond(self, key: str, inbound: Inbound) -> Turn:
        return Turn()


def requests(count: int) -> list[tuple[dict[str, str], str]]:
    cipher = CallbackCipher(TOKEN, AES_KEY, CORP_ID)
    now = str(int(time.time()))
    made = []
    for n in range(count):
        plaintext = (f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><FromUserName><![CDATA[member{n % 500}]]>"
                     f"</FromUserName><CreateTime>{now}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                     f"<Content><![CDATA[包邮吗 {n}]]></Content><MsgId>{10**12 + n}</MsgId><AgentID>1</AgentID></xml>")
        encrypted, signature = cipher.seal(plaintext, now, str(n))
        body = f"<xml><ToUserName><![CDATA[{CORP_ID}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
        made.append(({"msg_signature": signature, "timestamp": now, "nonce": str(n)}, body))
    return made


async def drive(url: str, made: list[tuple[dict[str, str], str]], seconds: float, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    position = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def client() -> None:
            nonlocal position, errors
            while time.perf_counter() < deadline and position < len(made):
                query, body = made[position]
                position += 1
                started = time.perf_counter()
                async with session.post(url, params=query, data=body) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"rate": len(latencies) / elapsed, "p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
            "errors": errors, "count": len(latencies)}


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/wecom/callback"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--redis", default=None, help="measure with Redis as the store (default: embedded)")
    args = parser.parse_args()
    made = requests(int(args.seconds * 12_000))

    async def floor_handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="")

    floor_app = web.Application()
    floor_app.router.add_post("/wecom/callback", floor_handler)
    runner, url = await serve(floor_app)
    floor = await drive(url, made, args.seconds, args.concurrency)
    await runner.cleanup()

    settings = Settings(CORP_ID, TOKEN, AES_KEY, "secret", 1, "http://127.0.0.1:9", args.redis,
                        default_content_dir(), "127.0.0.1", 0)
    store = open_store(args.redis)
    if args.redis:
        await store._redis.flushdb()  # type: ignore[attr-defined]
    app = build_app(settings, lambda _: Silent(), store=store, workers=0)
    runner, url = await serve(app)
    real = await drive(url, made, args.seconds, args.concurrency)
    await runner.cleanup()
    await store.close()

    measured = (("floor (200 only)", floor),
                (f"POST /wecom/callback ({'redis' if args.redis else 'embedded'})", real))
    rows = [[name, f"{r['count']:,}", f"{r['rate']:,.0f}", f"{r['p50']:.2f}", f"{r['p99']:.2f}", r["errors"]]
            for name, r in measured]
    print(table(["handler", "requests", "callbacks/s", "ack p50 ms", "ack p99 ms", "non-200"], rows))
    print(f"\nratio to the floor: {real['rate'] / floor['rate']:.2f}  (concurrency {args.concurrency})")


if __name__ == "__main__":
    asyncio.run(main())
