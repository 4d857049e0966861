"""The servers bench/callbacks.py drives with wrk, each in its own process.

    python -m bench.intake_server floor PORT
    python -m bench.intake_server real PORT [--redis URL]

`floor` is an aiohttp app whose handler reads the body and answers 200: the least any aiohttp callback
endpoint can cost. `real` is siyu-bot's app (verify, decrypt, parse, dedupe, enqueue, ack) with workers off,
so that only intake is measured. Both settle their heap after start-up as `siyu serve` does
(bot/gateway/serving.py).
"""

from __future__ import annotations

import argparse

from aiohttp import web

from bot.app import build_app
from bot.config import Settings, default_content_dir
from bot.conversation import Inbound, Turn
from bot.gateway.serving import settle_heap
from bot.store.factory import open_store

CORP_ID, TOKEN, AES_KEY = "wwbench0000000001", "benchToken", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"


class Silent:
    async def respond(self, key: str, inbound: Inbound) -> Turn:
        return Turn()


def floor_app() -> web.Application:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="")

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/wecom/callback", handler)
    app.router.add_get("/healthz", healthz)
    return app


def real_app(redis_url: str | None) -> web.Application:
    settings = Settings(CORP_ID, TOKEN, AES_KEY, "secret", 1, "http://127.0.0.1:9", redis_url,
                        default_content_dir(), "127.0.0.1", 0)
    return build_app(settings, lambda _: Silent(), store=open_store(redis_url), workers=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=("floor", "real"))
    parser.add_argument("port", type=int)
    parser.add_argument("--redis", default=None)
    args = parser.parse_args()
    app = floor_app() if args.kind == "floor" else real_app(args.redis)
    app.cleanup_ctx.append(settle_heap)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
