"""A fake WeCom API server for tests: a real aiohttp server on loopback.

It implements the endpoints siyu-bot calls, records every call, and can inject any errcode, slowness,
outages, refused connections and token expiry. kf messages are queued per open_kfid and served by
sync_msg with real cursors. Accepted sends are recorded in `delivered`: what a customer would see.

WeCom documents that a kf/send_msg `msgid` must be unique within the kf account, "否则接口返回错误"
(the errcode is not documented). `unique_msgids` models that; it is off by default so that tests
measure siyu-bot's own duplicate protection in the worst case (a WeCom that does not check).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fake_groupmsg import GroupMessages
from tests.fake_tags import CustomerTags
from tests.fake_wecom_groups import FakeError, FakeGroups

SEND_ENDPOINTS = frozenset(
    {"kf/send_msg", "kf/send_msg_on_event", "message/send", "externalcontact/send_welcome_msg"}
)
# Not a documented WeCom code: WeCom refuses a repeated msgid without saying which errcode it uses.
DUPLICATE_MSGID_ERRCODE = 95999


@dataclass
class Call:
    endpoint: str
    params: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeWeCom(FakeGroups, GroupMessages, CustomerTags):
    corp_id: str = "wx5823bf96d3bd56c7"
    secret: str = "test-secret"
    calls: list[Call] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    failures: dict[str, deque[int]] = field(default_factory=lambda: defaultdict(deque))
    delays: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    service_states: dict[tuple[str, str], int] = field(default_factory=dict)
    kf_log: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    valid_tokens: set[str] = field(default_factory=set)
    used_codes: set[str] = field(default_factory=set)
    sent_msgids: set[str] = field(default_factory=set)
    unique_msgids: bool = False
    refused: Counter[str] = field(default_factory=Counter)  # errcode answers per msgid during outages
    outage_codes: dict[str, list[int]] = field(default_factory=dict)  # endpoint -> errcodes, until recover()
    in_flight: int = 0
    _gate: asyncio.Event | None = None
    _held: frozenset[str] = frozenset()
    held: int = 0
    held_bodies: list[dict[str, Any]] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _site: web.TCPSite | None = None
    port: int = 0
    base_url: str = ""
    extra_routes: list[web.RouteDef] = field(default_factory=list)  # the hand-run server's controls (fake_wecom_cli)
    late: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))  # taken, answered late
    raw_answers: dict[str, deque[tuple[int, str]]] = field(default_factory=lambda: defaultdict(deque))
    refused_cursors: dict[str, int] = field(default_factory=dict)  # a sync_msg cursor WeCom no longer takes: errcode
    refused_tokens: set[str] = field(default_factory=set)  # callback tokens sync_msg refuses (95007 不合法的msgtoken)

    # -- control ---------------------------------------------------------------------------------
    def fail(self, endpoint: str, errcode: int, times: int = 1) -> None:
        self.failures[endpoint].extend([errcode] * times)

    def answer_late(self, endpoint: str, seconds: float, times: int = 1) -> None:
        """Do the next calls at once but answer them only after `seconds` (a caller that gave up missed it)."""
        self.late[endpoint].extend([seconds] * times)

    def answer_raw(self, endpoint: str, body: str, status: int = 200, times: int = 1) -> None:
        """Answer the next calls with this body as it is (an HTML error page, an empty body, not an object)."""
        self.raw_answers[endpoint].extend([(status, body)] * times)

    def slow(self, endpoint: str, seconds: float, times: int = 1) -> None:
        self.delays[endpoint].extend([seconds] * times)

    def outage(self, endpoint: str, *errcodes: int) -> None:
        """Answer every call to endpoint with these errcodes in turn until recover()."""
        self.outage_codes[endpoint] = list(errcodes)

    def recover(self) -> None:
        self.outage_codes.clear()

    def hold(self, *endpoints: str) -> None:
        """Calls arrive and wait (WeCom is processing them) until release(); sends by default."""
        self._held = frozenset(endpoints or SEND_ENDPOINTS)
        self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()
            self._gate = None

    async def refuse_connections(self) -> None:
        """WeCom unreachable: the listening socket and every open connection are closed."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = self._site = None

    async def accept_connections(self) -> None:
        await self._listen(self.port)

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

    def delivered_to(self, touser: str) -> list[dict[str, Any]]:
        return [body for body in self.delivered if body.get("touser") == touser]

    # -- server ----------------------------------------------------------------------------------
    async def start(self, port: int = 0) -> str:
        await self._listen(port)
        assert self._site is not None
        self.port = self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{self.port}"
        return self.base_url

    async def _listen(self, port: int) -> None:
        app = web.Application()
        app.router.add_route("*", "/cgi-bin/{endpoint:.+}", self._dispatch)
        app.router.add_routes(self.extra_routes)
        self._runner = web.AppRunner(app, handler_cancellation=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await self._site.start()

    async def stop(self) -> None:
        self.release()
        if self._runner:
            await self._runner.cleanup()

    async def _dispatch(self, request: web.Request) -> web.Response:
        endpoint = request.match_info["endpoint"]
        body: dict[str, Any] = (
            await request.json() if request.method == "POST" and request.can_read_body else {}
        )
        self.calls.append(Call(endpoint, dict(request.query), body))
        self.in_flight += 1
        try:
            return await self._answer(endpoint, request, body)
        finally:
            self.in_flight -= 1

    async def _answer(self, endpoint: str, request: web.Request, body: dict[str, Any]) -> web.Response:
        if self.delays[endpoint]:
            await asyncio.sleep(self.delays[endpoint].popleft())
        if self.raw_answers[endpoint]:
            status, text = self.raw_answers[endpoint].popleft()
            return web.Response(status=status, text=text, content_type="text/html" if "<" in text else "text/plain")
        if endpoint in self.outage_codes:
            codes = self.outage_codes[endpoint]
            code = codes[self.refused[body.get("msgid", "")] % len(codes)]
            self.refused[body.get("msgid", "")] += 1
            return web.json_response({"errcode": code, "errmsg": f"injected {code}"})
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
        if endpoint in self._held and self._gate is not None:
            self.held += 1
            self.held_bodies.append(body)
            try:
                await self._gate.wait()  # WeCom is slow; whatever happens to the caller, the call goes through
            finally:
                self.held -= 1
                self.held_bodies.remove(body)
        handler = getattr(self, "_" + endpoint.replace("/", "_"), None)
        query = {k: v for k, v in request.query.items() if k != "access_token"}
        try:
            result: dict[str, Any] = handler({**query, **body}) if handler is not None else {}
        except FakeError as error:  # the group endpoints raise WeCom's refusals
            return web.json_response({"errcode": error.errcode, "errmsg": error.errmsg})
        errcode = int(result.pop("errcode", 0))
        if errcode:
            return web.json_response({"errcode": errcode, "errmsg": result.get("errmsg", "")})
        if endpoint in SEND_ENDPOINTS:
            self.delivered.append({"endpoint": endpoint, **body})
        if self.late[endpoint]:
            await asyncio.sleep(self.late[endpoint].popleft())
        return web.json_response({"errcode": 0, "errmsg": "ok", **result})

    # -- endpoints -------------------------------------------------------------------------------
    def _kf_sync_msg(self, body: dict[str, Any]) -> dict[str, Any]:
        log = self.kf_log[body["open_kfid"]]
        if str(body.get("token") or "") in self.refused_tokens:
            return {"errcode": 95007, "errmsg": "invalid msg token (injected)"}
        if (refused := self.refused_cursors.get(str(body.get("cursor") or ""))) is not None:
            return {"errcode": refused, "errmsg": f"invalid cursor (injected {refused})"}
        start = int(body.get("cursor") or 0)
        limit = int(body.get("limit", 1000))
        batch = log[start : start + limit]
        end = start + len(batch)
        return {"next_cursor": str(end), "has_more": int(end < len(log)), "msg_list": batch}

    def _kf_send_msg(self, body: dict[str, Any]) -> dict[str, Any]:
        msgid = body.get("msgid") or f"auto{next(self._counter)}"
        if self.unique_msgids and msgid in self.sent_msgids:
            return {"errcode": DUPLICATE_MSGID_ERRCODE, "errmsg": "msgid already used"}
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
        code = str(body.get("welcome_code", ""))
        if code in self.used_codes:  # valid once: a second sender gets 41051 (path/92137)
            return {"errcode": 41051, "errmsg": "welcome code has been used"}
        self.used_codes.add(code)
        return {}

    def _kf_add_contact_way(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"https://work.weixin.qq.com/kfid/kfc{body['open_kfid']}?enc_scene={body.get('scene', '')}"}


if __name__ == "__main__":  # python -m tests.fake_wecom --port 8081: docs/operations.md "Try the whole bot locally"
    from tests.fake_wecom_cli import main

    raise SystemExit(main())
