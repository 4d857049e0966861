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

from tests.fake_groupmsg import GroupMessages


@dataclass
class Call:
    endpoint: str
    params: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeWeCom(GroupMessages):
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
    corp_tags: list[dict[str, Any]] = field(default_factory=list)  # tag groups as get_corp_tag_list returns
    relations: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # customer → staff → tag ids
    marked: list[dict[str, Any]] = field(default_factory=list)  # mark_tag calls that succeeded
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

    # -- customer tags, as staff would change them in the WeCom client -----------------------------
    def add_relation(self, external_userid: str, userid: str) -> None:
        self.relations.setdefault(external_userid, {}).setdefault(userid, set())

    def drop_relation(self, external_userid: str, userid: str) -> None:
        self.relations.get(external_userid, {}).pop(userid, None)

    def tag_id(self, name: str) -> str:
        return next(t["id"] for g in self.corp_tags for t in g["tag"] if t["name"] == name)

    def tags_of(self, external_userid: str, userid: str) -> set[str]:
        names = {t["id"]: t["name"] for g in self.corp_tags for t in g["tag"]}
        return {names[i] for i in self.relations.get(external_userid, {}).get(userid, set())}

    def staff_marks(self, external_userid: str, userid: str, add: tuple[str, ...] = (),
                    remove: tuple[str, ...] = ()) -> None:
        """A staff member tags the customer by hand (WeCom sends edit_external_contact for it)."""
        tags = self.relations[external_userid][userid]
        tags.update(self.tag_id(n) for n in add)
        tags.difference_update(self.tag_id(n) for n in remove)

    def delete_tag(self, name: str) -> None:
        """Someone deletes one of the corp's tags in the admin console."""
        for group in self.corp_tags:
            group["tag"] = [t for t in group["tag"] if t["name"] != name]

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
        query = {k: v for k, v in request.query.items() if k != "access_token"}
        result: dict[str, Any] = handler({**query, **body})
        if "errcode" in result:
            return web.json_response(result)
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

    def _kf_add_contact_way(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"https://work.weixin.qq.com/kfid/kfc{body['open_kfid']}?enc_scene={body.get('scene', '')}"}

    def _externalcontact_groupchat_get(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"group_chat": {"chat_id": body["chat_id"], "name": "group", "member_list": []}}

    # -- customer tags (externalcontact) -------------------------------------------------------------
    def _externalcontact_get_corp_tag_list(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"tag_group": [{**g, "tag": [dict(t) for t in g["tag"]]} for g in self.corp_tags]}

    def _externalcontact_add_corp_tag(self, body: dict[str, Any]) -> dict[str, Any]:
        names = [str(t.get("name", "")) for t in body.get("tag", [])]
        if not names or not all(names):
            return {"errcode": 40058, "errmsg": "invalid parameter: tag"}
        if body.get("group_id"):
            group = next((g for g in self.corp_tags if g["group_id"] == body["group_id"]), None)
            if group is None:
                return {"errcode": 40068, "errmsg": "invalid tagid"}
        else:
            group = next((g for g in self.corp_tags if g["group_name"] == body.get("group_name")), None)
            if group is None:
                group = {"group_id": f"grp{next(self._counter)}", "group_name": str(body.get("group_name")),
                         "create_time": int(time.time()), "order": 0, "tag": []}
                self.corp_tags.append(group)
        if any(t["name"] in names for t in group["tag"]) or len(set(names)) != len(names):
            return {"errcode": 40071, "errmsg": "tag name already exists"}
        created = [{"id": f"et{next(self._counter)}", "name": n, "create_time": int(time.time()), "order": 0}
                   for n in names]
        group["tag"].extend(created)
        return {"tag_group": {k: v for k, v in group.items() if k != "tag"} | {"tag": created}}

    def _externalcontact_mark_tag(self, body: dict[str, Any]) -> dict[str, Any]:
        relation = self.relations.get(str(body.get("external_userid")), {}).get(str(body.get("userid")))
        if relation is None:
            return {"errcode": 84061, "errmsg": "not external contact"}
        known = {t["id"] for g in self.corp_tags for t in g["tag"]}
        wanted = [*body.get("add_tag", []), *body.get("remove_tag", [])]
        if not wanted or any(tag not in known for tag in wanted):
            return {"errcode": 40068, "errmsg": "invalid tagid"}
        relation.update(body.get("add_tag", []))
        relation.difference_update(body.get("remove_tag", []))
        self.marked.append(body)
        return {}

    def _externalcontact_get(self, body: dict[str, Any]) -> dict[str, Any]:
        customer = str(body.get("external_userid", ""))
        staff = self.relations.get(customer)
        if not staff:
            return {"errcode": 84061, "errmsg": "not external contact"}
        groups = {t["id"]: (g["group_name"], t["name"]) for g in self.corp_tags for t in g["tag"]}
        follow = [{"userid": userid, "remark": "", "createtime": 0,
                   "tags": [{"group_name": groups[i][0], "tag_name": groups[i][1], "tag_id": i, "type": 1}
                            for i in sorted(ids) if i in groups]}
                  for userid, ids in staff.items()]
        return {"external_contact": {"external_userid": customer, "name": "customer", "type": 1},
                "follow_user": follow}
