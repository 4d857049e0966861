"""Async WeCom API client on aiohttp (wechatpy's HTTP client blocks, so it is not used).

The access_token lives in the store, shared by every process; one process refreshes it at a time,
before it expires. Errors come back as WeComError with errcode and errmsg. Tokens and secrets never
reach the logs: only endpoint names are logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable

import aiohttp

from bot.content.durations import human_duration
from bot.metrics import Metrics
from bot.protocol.answers import Json, answer_of, token_of
from bot.store.base import Store

log = logging.getLogger(__name__)

TOKEN_INVALID = frozenset({40001, 40014, 42001})
CREDENTIALS_REFUSED = frozenset({40001, 40013, 40056, 40091})  # gettoken: wrong secret, corp id, or agent
RETRY_LATER = frozenset({-1, 45009, 45033})
RATE_LIMITED = frozenset({45009, 45033})
TRANSPORT_ERRCODE = -100  # our code for "no answer": timeouts and connection errors
DEFAULT_TIMEOUT_S = 30.0  # longer than WeCom's slowest answers: a send that times out may still go through


class WeComError(Exception):
    def __init__(self, endpoint: str, errcode: int, errmsg: str) -> None:
        super().__init__(f"{endpoint}: errcode {errcode}: {errmsg}")
        self.endpoint = endpoint
        self.errcode = errcode
        self.errmsg = errmsg


APP_REFUSED = frozenset({48001, 48002, 60020})  # the app lacks the API's permission; the server's IP is not trusted


def is_misconfigured(error: WeComError) -> bool:
    """The app's settings are at fault (secret, permission, trusted IP), not what was asked: the same call works
    once the operator fixes them, so the answer says nothing about the object asked for."""
    return (error.endpoint == "gettoken" or error.errcode in APP_REFUSED or error.errcode in CREDENTIALS_REFUSED
            or error.errcode in TOKEN_INVALID)


def is_transient(error: WeComError) -> bool:
    """Busy, rate-limited or no answer: the same call may succeed later."""
    return error.errcode in RETRY_LATER or error.errcode == TRANSPORT_ERRCODE


class WeComAPI:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        store: Store,
        *,
        base_url: str,
        corp_id: str,
        secret: str,
        metrics: Metrics,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retries: int = 3,
        backoff_s: float = 0.2,
        rate_limit_pause_max_s: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._session = session
        self._store = store
        self._base = base_url.rstrip("/")
        self._corp_id = corp_id
        self._secret = secret
        self._metrics = metrics
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._retries = retries
        self._backoff = backoff_s
        self._sleep = sleep
        digest = hashlib.sha256(secret.encode()).hexdigest()[:12]
        self._token_key = f"siyu:token:{corp_id}:{digest}"
        self._owner = uuid.uuid4().hex
        self._local: tuple[str, float] | None = None  # (token, monotonic deadline): saves a store read
        self._paused: dict[str, float] = {}  # endpoint -> monotonic time before which it is rate-limited
        self._limited: dict[str, int] = {}  # endpoint -> rate-limit answers in a row
        self._pause_max = rate_limit_pause_max_s
        self.credentials_refused = 0  # gettoken's errcode while WeCom refuses WECOM_CORP_ID / WECOM_SECRET (/healthz)

    # -- token -----------------------------------------------------------------------------------
    async def access_token(self) -> str:
        if self._local and self._local[1] > time.monotonic():
            return self._local[0]
        token = await self._store.get(self._token_key)
        if token:
            self._local = (token, time.monotonic() + 60)
            return token
        return await self._refresh()

    async def _refresh(self) -> str:
        lock = self._token_key + ":refresh"
        for _ in range(200):
            if await self._store.acquire(lock, self._owner, 15_000):
                try:
                    token = await self._store.get(self._token_key)
                    if token:  # someone refreshed while we waited
                        return token
                    try:
                        body = await self._request(
                            "gettoken", "GET", params={"corpid": self._corp_id, "corpsecret": self._secret}
                        )
                    except WeComError as error:
                        if error.errcode in CREDENTIALS_REFUSED and not self.credentials_refused:
                            log.error("WeCom refused WECOM_CORP_ID / WECOM_SECRET (gettoken errcode %d): nothing can "
                                      "be sent until they are fixed", error.errcode)
                        self.credentials_refused = error.errcode if error.errcode in CREDENTIALS_REFUSED else 0
                        raise
                    self.credentials_refused = 0
                    kept = token_of(body)
                    if kept is None:
                        raise WeComError("gettoken", TRANSPORT_ERRCODE, "answer without a usable access_token")
                    token, ttl_s = kept
                    await self._store.set(self._token_key, token, ttl_ms=ttl_s * 1000)
                    self._local = (token, time.monotonic() + min(60, ttl_s))
                    log.info("wecom access token refreshed (valid %s)", human_duration(ttl_s))
                    return token
                finally:
                    await self._store.release(lock, self._owner)
            await self._sleep(0.05)
            token = await self._store.get(self._token_key)
            if token:
                return token
        raise WeComError("gettoken", TRANSPORT_ERRCODE, "timed out waiting for another process's refresh")

    async def _forget_token(self, bad: str) -> None:
        self._local = None
        if await self._store.get(self._token_key) == bad:
            await self._store.delete(self._token_key)

    # -- calls -----------------------------------------------------------------------------------
    async def call(self, endpoint: str, payload: Json | None = None, *, retry: bool = True,
                   query: dict[str, str] | None = None) -> Json:
        """POST payload (or GET with query) to /cgi-bin/<endpoint> with the access token.

        An expired token is refreshed once. With `retry`, transient failures are retried a few times with
        backoff; without, they are raised at once for the caller's own patience (see gateway/sender.py).
        A rate limit (45009, 45033) pauses every call to that endpoint from this process for a while.
        """
        refreshed = False
        attempt = 0
        method = "GET" if query is not None else "POST"
        while True:
            await self._wait_if_paused(endpoint)
            token = await self.access_token()
            try:
                body = await self._request(endpoint, method, params={**(query or {}), "access_token": token},
                                           json=payload)
                self._limited.pop(endpoint, None)
                return body
            except WeComError as error:
                if error.errcode in TOKEN_INVALID and not refreshed:
                    refreshed = True
                    await self._forget_token(token)
                    continue
                delay = self._backoff * (2.0**attempt) * (0.5 + random.random())
                if error.errcode in RATE_LIMITED:
                    self._pause(endpoint)
                if retry and is_transient(error) and attempt < self._retries:
                    attempt += 1
                    log.warning("%s failed with errcode %s; retrying", endpoint, error.errcode)
                    await self._sleep(delay)
                    continue
                raise

    def _pause(self, endpoint: str) -> None:
        """Rate-limited: every call to this endpoint from this process waits, longer each time in a row."""
        streak = self._limited.get(endpoint, 0)
        self._limited[endpoint] = streak + 1
        pause = min(self._pause_max, 0.5 * 2.0 ** min(streak, 30)) * (0.5 + random.random() / 2)
        self._paused[endpoint] = max(self._paused.get(endpoint, 0.0), time.monotonic() + pause)

    async def _wait_if_paused(self, endpoint: str) -> None:
        until = self._paused.get(endpoint, 0.0)
        if until > time.monotonic():
            await self._sleep(until - time.monotonic())

    async def _request(
        self, endpoint: str, method: str, *, params: dict[str, str], json: Json | None = None
    ) -> Json:
        url = f"{self._base}/cgi-bin/{endpoint}"
        try:
            async with self._session.request(
                method, url, params=params, json=json, timeout=self._timeout
            ) as response:
                if response.status != 200:
                    raise WeComError(endpoint, TRANSPORT_ERRCODE, f"HTTP {response.status}")
                body, errcode = answer_of(await response.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, ValueError, RecursionError) as error:  # nested too deep to read
            self._metrics.api_calls.labels(endpoint, str(TRANSPORT_ERRCODE)).inc()
            raise WeComError(endpoint, TRANSPORT_ERRCODE, type(error).__name__) from error
        self._metrics.api_calls.labels(endpoint, str(errcode)).inc()
        if errcode != 0:
            raise WeComError(endpoint, errcode, str(body.get("errmsg", "")))
        return body

    # -- the endpoints siyu-bot uses -------------------------------------------------------------
    async def kf_sync_msg(self, open_kfid: str, cursor: str, token: str, limit: int = 1000, *,
                          retry: bool = True) -> Json:
        payload: Json = {"open_kfid": open_kfid, "limit": limit}
        if cursor:
            payload["cursor"] = cursor
        if token:
            payload["token"] = token
        return await self.call("kf/sync_msg", payload, retry=retry)

    async def kf_send_msg(self, touser: str, open_kfid: str, msgid: str, message: Json) -> Json:
        return await self.call(
            "kf/send_msg", {"touser": touser, "open_kfid": open_kfid, "msgid": msgid, **message}
        )

    async def kf_send_msg_on_event(self, code: str, msgid: str, message: Json) -> Json:
        return await self.call("kf/send_msg_on_event", {"code": code, "msgid": msgid, **message})

    async def kf_service_state(self, open_kfid: str, external_userid: str) -> int:
        body = await self.call(
            "kf/service_state/get", {"open_kfid": open_kfid, "external_userid": external_userid}
        )
        state = body.get("service_state", 0)
        if not isinstance(state, int | str) or not str(state).isdigit():  # no number: WeCom could not say
            raise WeComError("kf/service_state/get", TRANSPORT_ERRCODE, "service_state is not a number")
        return int(state)

    async def kf_transfer(
        self, open_kfid: str, external_userid: str, state: int, servicer_userid: str = ""
    ) -> Json:
        payload: Json = {"open_kfid": open_kfid, "external_userid": external_userid, "service_state": state}
        if servicer_userid:
            payload["servicer_userid"] = servicer_userid
        return await self.call("kf/service_state/trans", payload)

    async def send_welcome_msg(self, welcome_code: str, text: str, attachments: list[Json]) -> Json:
        payload: Json = {"welcome_code": welcome_code}
        if text:
            payload["text"] = {"content": text}
        if attachments:
            payload["attachments"] = attachments
        return await self.call("externalcontact/send_welcome_msg", payload)

    async def message_send(self, agent_id: int, touser: str, text: str) -> Json:
        return await self.call(
            "message/send",
            {"touser": touser, "msgtype": "text", "agentid": agent_id, "text": {"content": text}},
        )

    # -- customer tags (externalcontact) ---------------------------------------------------------
    async def get_corp_tag_list(self) -> list[Json]:
        body = await self.call("externalcontact/get_corp_tag_list", {})
        return list(body.get("tag_group", []))

    async def add_corp_tag(self, tags: list[str], *, group_id: str = "", group_name: str = "") -> Json:
        """Create tags in an existing group (group_id) or a new group (group_name); returns the tag_group."""
        payload: Json = {"tag": [{"name": name} for name in tags]}
        if group_id:
            payload["group_id"] = group_id
        else:
            payload["group_name"] = group_name
        body = await self.call("externalcontact/add_corp_tag", payload)
        group: Json = body.get("tag_group", {})
        return group

    async def mark_tag(self, userid: str, external_userid: str, add: list[str], remove: list[str]) -> Json:
        payload: Json = {"userid": userid, "external_userid": external_userid}
        if add:
            payload["add_tag"] = add
        if remove:
            payload["remove_tag"] = remove
        return await self.call("externalcontact/mark_tag", payload)

    async def external_contact(self, external_userid: str) -> list[Json]:
        """externalcontact/get: every follow_user (staff relation) of the customer, with their tags."""
        follow: list[Json] = []
        cursor = ""
        for _ in range(100):  # 500 relations a page; a customer with more is not a private-domain customer
            query = {"external_userid": external_userid, **({"cursor": cursor} if cursor else {})}
            body = await self.call("externalcontact/get", query=query)
            follow.extend(body.get("follow_user", []))
            cursor = str(body.get("next_cursor") or "")
            if not cursor:
                break
        return follow

    async def groupchat_get(self, chat_id: str) -> Json:
        return await self.call("externalcontact/groupchat/get", {"chat_id": chat_id, "need_name": 1})
