"""A fake WeCom API server for tests: a real aiohttp server on loopback.

It implements the endpoints siyu-bot calls, records every call, and can inject any errcode, slowness
and token expiry. kf messages are queued per open_kfid and served by sync_msg with real cursors.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fake_wecom_groups import FakeError, FakeGroups


@dataclass
class Call:
    endpoint: str
    params: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeWeCom(FakeGroups):
    corp_id: str = "wx5823bf96d3bd56c7"
    secret: str = "test-secret"
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    delays: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    service_states: dict[tuple[str, str], int] = field(default_factory=dict)
    kf_log: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    valid_tokens: set[str] = field(default_factory=set)
    used_codes: set[str] = field(default_factory=set)
    sent_msgids: set[str] = field(default_factory=set)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    base_url: str = ""

    # -- control ---------------------------------------------------------------------------------
    def fail(self, endpoint: str, errcode: int, times: int = 1) -> None:
        self.failures[endpoint].extend([errcode] * times)

    def slow(self, endpoint: str, seconds: float, times: int = 1) -> None:
        self.delays[endpoint].extend([seconds] * times)

    def expire_tokens(self) -> None:
        self.valid_tokens.clear()

    def add_kf_message(
        self,
        open_kfid: str,
        external_userid: str,
        text: str,
        *,
        msgid: str | None = None,
        send_time: int | None = None,
        msgtype: str = "text",
    ) -> str:
        msgid = msgid or f"m{next(self._counter)}"
        message: dict[str, Any] = {
            "msgid": msgid,
            "open_kfid": open_kfid,
            "external_userid": external_userid,
            "send_time": send_time or int(time.time()),
            "origin": 3,
            "msgtype": msgtype,
        }
        if msgtype == "text":
            message["text"] = {"content": text}
        else:
            message[msgtype] = {"media_id": "MEDIA"}
        self.kf_log[open_kfid].append(message)
        return msgid

    def add_kf_event(self, open_kfid: str, event: dict[str, Any], *, send_time: int | None = None) -> str:
        msgid = f"e{next(self._counter)}"
        self.kf_log[open_kfid].append(
            {
                "msgid": msgid,
                "open_kfid": open_kfid,
                "send_time": send_time or int(time.time()),
                "origin": 4,
                "msgtype": "event",
                "event": {"open_kfid": open_kfid, **event},
            }
        )
        return msgid

    def calls_to(self, endpoint: str) -> list[dict[str, Any]]:
        return [call.body for call in self.calls if call.endpoint == endpoint]

    # -- server ----------------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/cgi-bin/{endpoint:.+}", self._dispatch)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        body: dict[str, Any] = (
            await request.json() if request.method == "POST" and request.can_read_body else {}
        )
        self.calls.append(Call(endpoint, dict(request.query), body))
        if self.delays[endpoint]:
            await asyncio.sleep(self.delays[endpoint].popleft())
        if self.failures[endpoint]:
            code = self.failures[endpoint].popleft()
            return web.json_response({"errcode": code, "errmsg": f"injected {code}"})
        if endpoint == "gettoken":
            if request.query.get("corpsecret") != self.secret:
                return web.json_response({"errcode": 40001, "errmsg": "invalid credential"})
            token = f"TOKEN{next(self._counter)}"
            self.valid_tokens.add(token)
            return web.json_response(
                {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200}
            )
        if request.query.get("access_token") not in self.valid_tokens:
            return web.json_response({"errcode": 42001, "errmsg": "access_token expired"})
        handler = getattr(self, "_" + endpoint.replace("/", "_"), None)
        if handler is None:
            return web.json_response({"errcode": 0, "errmsg": "ok"})
        try:
            result: dict[str, Any] = handler(body)
        except FakeError as error:
            return web.json_response({"errcode": error.errcode, "errmsg": error.errmsg})
        return web.json_response({"errcode": 0, "errmsg": "ok", **result})

    # -- endpoints -------------------------------------------------------------------------------
    def _kf_sync_msg(self, body: dict[str, Any]) -> dict[str, Any]:
        log = self.kf_log[body["open_kfid"]]
        start = int(body.get("cursor") or 0)
        limit = int(body.get("limit", 1000))
        batch = log[start : start + limit]
        end = start + len(batch)
        return {"next_cursor": str(end), "has_more": int(end < len(log)), "msg_list": batch}

    def _kf_send_msg(self, body: dict[str, Any]) -> dict[str, Any]:
        msgid = body.get("msgid") or f"auto{next(self._counter)}"
        self.sent_msgids.add(msgid)
        return {"msgid": msgid}

    def _kf_send_msg_on_event(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"msgid": body.get("msgid", "")}

    def _kf_service_state_get(self, body: dict[str, Any]) -> dict[str, Any]:
        state = self.service_states.get((body["open_kfid"], body["external_userid"]), 1)
        return {"service_state": state, "servicer_userid": ""}

    def _kf_service_state_trans(self, body: dict[str, Any]) -> dict[str, Any]:
        self.service_states[(body["open_kfid"], body["external_userid"])] = int(body["service_state"])
        return {}

    def _externalcontact_send_welcome_msg(self, body: dict[str, Any]) -> dict[str, Any]:
        return {}
