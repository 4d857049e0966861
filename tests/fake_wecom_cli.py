"""The fake WeCom API server run by hand, to try the whole bot locally (docs/operations.md, "Try the whole bot
locally"): `python -m tests.fake_wecom --port 8081` prints the settings that point `siyu serve` at it, and says
every message the bot sends (kf replies, welcomes, owner notices) as it arrives.

Besides WeCom's endpoints (/cgi-bin/…) it answers a few controls that tests/send_callback.py uses:
  POST /_fake/kf     {"open_kfid", "external_userid", "text"}  a customer writes to the kf account
  POST /_fake/enter  {"open_kfid", "external_userid", "scene", "scene_param"}  a customer opens the kf chat (an
                     enter_session event with a fresh welcome_code); answers the welcome_code
  POST /_fake/hit    {"chat_id", "sender", "rule_id"}          a group message hits a 数据与智能专区 keyword rule
                     (the group is made, owned by "owner1", when the fake does not know it); answers the Token
  GET  /_fake/sent   everything the bot has sent, oldest first
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import time
from typing import Any

from aiohttp import web

from tests.fake_wecom import FakeWeCom
from tests.wecom import AES_KEY, CORP_ID, TOKEN

AGENT_ID = "1000002"
OWNER = "owner1"


def settings_lines(base_url: str) -> list[str]:
    """The environment of a `siyu serve` that talks to this fake and accepts tests/wecom.py's callbacks."""
    return [f"export WECOM_CORP_ID={CORP_ID} WECOM_TOKEN={TOKEN} WECOM_AES_KEY={AES_KEY}",
            f"export WECOM_SECRET=test-secret WECOM_AGENT_ID={AGENT_ID} WECOM_API_BASE={base_url}"]


def then_line(base_url: str) -> str:
    """The follow-up command, runnable as printed: it names this fake unless it is on send_callback's default."""
    fake = "" if base_url == "http://127.0.0.1:8081" else f" --fake {base_url}"
    return (f"then: python -m tests.send_callback 包邮吗{fake}     (add --bot http://127.0.0.1:PORT if siyu serve "
            "is not on 8080; docs/operations.md, 'Try the whole bot locally')")


class Controls:
    def __init__(self, fake: FakeWeCom) -> None:
        self.fake = fake

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/_fake/kf", self.kf), web.post("/_fake/enter", self.enter), web.post("/_fake/hit", self.hit),
                web.get("/_fake/sent", self.sent), web.get("/_fake/state", self.state)]

    async def kf(self, request: web.Request) -> web.Response:
        body = await request.json()
        msgid = self.fake.add_kf_message(str(body["open_kfid"]), str(body["external_userid"]), str(body["text"]))
        return web.json_response({"msgid": msgid})

    async def enter(self, request: web.Request) -> web.Response:
        """The event WeCom puts in kf/sync_msg when a customer opens the chat (docs: ../shared/WECOM.md §3): the bot
        answers its welcome_code with kf/send_msg_on_event (valid 20 s, once)."""
        body = await request.json()
        code = f"WC{time.time_ns()}"
        event = {"event_type": "enter_session", "external_userid": str(body["external_userid"]), "welcome_code": code,
                 "scene": str(body.get("scene", "")), "scene_param": str(body.get("scene_param", ""))}
        msgid = self.fake.add_kf_event(str(body["open_kfid"]), event)
        return web.json_response({"msgid": msgid, "welcome_code": code})

    async def hit(self, request: web.Request) -> web.Response:
        body = await request.json()
        chat_id, sender = str(body["chat_id"]), str(body["sender"])
        if chat_id not in self.fake.groups:
            self.fake.add_group(chat_id, f"试用群 {chat_id}", OWNER, [sender], create_time=int(time.time()))
        self.fake.add_hit(f"hit{len(self.fake.hit_log) + 1}", chat_id, sender, str(body["rule_id"]),
                          send_time=int(time.time()))
        return web.json_response({"token": self.fake.issue_hit_token()})

    async def state(self, request: web.Request) -> web.Response:
        """A kf conversation's service_state as the bot last set it (1 bot, 2 queued for a human, 3 with a human)."""
        key = (request.query.get("open_kfid", ""), request.query.get("external_userid", ""))
        return web.json_response({"service_state": self.fake.service_states.get(key, 1)})

    async def sent(self, _: web.Request) -> web.Response:
        return web.json_response(self.fake.delivered, dumps=lambda data: json.dumps(data, ensure_ascii=False))


def say(body: dict[str, Any]) -> str:
    """One line for a message the bot sent: to whom, through what, and its text."""
    endpoint = body.get("endpoint", "")
    to = body.get("touser") or body.get("welcome_code") or body.get("code") or ""
    kind = body.get("msgtype", "")
    part: dict[str, Any] = body.get(kind) if isinstance(body.get(kind), dict) else {}
    text = part.get("content") or part.get("title") or json.dumps(part, ensure_ascii=False)[:120]
    return f"→ {endpoint} {to} [{kind}] {text}"


async def run(host: str, port: int) -> None:
    fake = FakeWeCom()
    fake.extra_routes = Controls(fake).routes()
    await fake.start(port)
    base_url = f"http://{host}:{fake.port}"
    print(f"fake WeCom API on {base_url} (Ctrl-C stops it). Point siyu serve at it:", flush=True)
    for line in settings_lines(base_url):
        print(line, flush=True)
    print(then_line(base_url), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    told = 0
    while not stop.is_set():
        for body in fake.delivered[told:]:
            print(say(body), flush=True)
        told = len(fake.delivered)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)
    await fake.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_wecom",
                                     description="A fake WeCom API server for trying siyu serve by hand.")
    parser.add_argument("--port", type=int, default=8081, help="port on 127.0.0.1 (default 8081; 0 = any free one)")
    args = parser.parse_args(argv)
    asyncio.run(run("127.0.0.1", args.port))
    return 0
