"""HTTP face of the gateway: WeCom callbacks, health and metrics.

A callback is verified, decrypted, classified, deduplicated and durably enqueued before the 200 goes
back; the work happens in the workers. Every failure maps to a 4xx (or 503 when the store is down, so
that WeCom retries); nothing answers 500. Whatever the store does, a callback is answered within a
second: the enqueue has a deadline (STORE_DEADLINE_S), and so does reading the body.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.content.durations import human_duration
from bot.gateway.eventlog import UNKNOWN_LOG
from bot.gateway.queue import Queue
from bot.logging_setup import conversation_tag, throttled_as
from bot.metrics import Metrics
from bot.protocol.callback import Callback, Kind, MalformedXML, classify, encrypted_field
from bot.protocol.crypto import CallbackCipher, CryptoError
from bot.store.base import Store

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
MAX_SKEW_S = 600
STORE_DEADLINE_S = 0.7  # a store that has not taken the event by then, and is not answering, gets a 503
STORE_ALIVE_S = 0.25  # "answering": it answered some command this recently (it is busy, not frozen)
STORE_PATIENCE_S = 4.0  # a busy store is waited for, but never past WeCom's 5 s
HEALTH_DEADLINE_S = 0.5
WRONG_KEY = ("signed with WECOM_TOKEN but does not decrypt with WECOM_AES_KEY (is it the app's current "
             "EncodingAESKey?)")
CLIENT_GONE = (ConnectionResetError, RequestPayloadError, asyncio.IncompleteReadError)


class CallbackEndpoint:
    def __init__(
        self,
        cipher: CallbackCipher,
        queue: Queue,
        metrics: Metrics,
        *,
        clock: Callable[[], float] = time.time,
        read_timeout_s: float = 5.0,
        store_deadline_s: float = STORE_DEADLINE_S,
    ) -> None:
        self.cipher = cipher
        self.queue = queue
        self.metrics = metrics
        self.clock = clock
        self.read_timeout_s = read_timeout_s
        self.store_deadline_s = store_deadline_s
        self._store_down: tuple[type[Exception], ...] = (TimeoutError, *queue.store.unavailable)

    def _reject(self, kind: str, status: int, reason: str, detail: str = "", group: str = "") -> web.Response:
        """reason: what was wrong, one of a few (bad signature, malformed XML…); group: which kind of it, one
        of a few (a DTD, not UTF-8, not well-formed…); each reason and group is throttled in the log on its
        own, so that a flood of one does not hide another; detail: this request's particulars."""
        self.metrics.callbacks.labels(kind, f"rejected_{status}").inc()
        text = f"{reason}: {detail}" if detail else reason
        label = f"callback rejected with {status}: {reason}" + (f": {group}" if group else "")
        log.warning("callback rejected with %d: %s", status, text,
                    extra=throttled_as(f"callback rejected {status} {reason} {group}", label))
        return web.Response(status=status, text=text)

    def _refuse(self, kind: str, error: CryptoError) -> web.Response:
        if error.undecryptable:  # the signature was valid: whoever sent it knows WECOM_TOKEN but used another key
            return self._reject(kind, error.status, WRONG_KEY, error.reason)
        return self._reject(kind, error.status, error.reason)

    def _check_query(self, request: web.Request, *names: str) -> dict[str, str] | str:
        values = {name: request.query.get(name, "") for name in names}
        missing = [name for name, value in values.items() if not value]
        if missing:
            return "missing query parameter " + ", ".join(missing)
        try:
            skew = abs(self.clock() - int(values["timestamp"]))
        except ValueError:
            return "timestamp is not a number"
        if skew > MAX_SKEW_S:
            return "timestamp too far from now"
        return values

    async def verify_url(self, request: web.Request) -> web.Response:
        query = self._check_query(request, "msg_signature", "timestamp", "nonce", "echostr")
        if isinstance(query, str):
            status = 403 if query.startswith("timestamp too far") else 400
            return self._reject("url_verification", status, query)
        try:
            self.cipher.verify(query["msg_signature"], query["timestamp"], query["nonce"], query["echostr"])
            plaintext = self.cipher.decrypt(query["echostr"])
        except CryptoError as error:
            return self._refuse("url_verification", error)
        self.metrics.callbacks.labels("url_verification", "ok").inc()
        return web.Response(text=plaintext)

    async def receive(self, request: web.Request) -> web.Response:
        query = self._check_query(request, "msg_signature", "timestamp", "nonce")
        if isinstance(query, str):
            status = 403 if query.startswith("timestamp too far") else 400
            return self._reject("unparsed", status, query)
        if (request.content_length or 0) > MAX_BODY:  # declared too long: no need to wait for it to arrive
            return self._reject("unparsed", 413, f"body over {MAX_BODY} bytes")
        try:
            if request.content.is_eof():  # the whole body came with the headers: nothing to wait for
                body = await request.read()
            else:
                async with asyncio.timeout(self.read_timeout_s):
                    body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._reject("unparsed", 413, f"body over {MAX_BODY} bytes")
        except TimeoutError:
            return self._reject("unparsed", 408, f"body not received within {human_duration(self.read_timeout_s)}")
        except CLIENT_GONE:
            self.metrics.callbacks.labels("unparsed", "client_gone").inc()
            log.debug("a client went away before its callback body arrived")
            return web.Response(status=400, text="incomplete body")
        try:
            encrypted = encrypted_field(body)
            self.cipher.verify(query["msg_signature"], query["timestamp"], query["nonce"], encrypted)
            callback = classify(self.cipher.decrypt(encrypted))
        except CryptoError as error:
            return self._refuse("unparsed", error)
        except MalformedXML as error:
            return self._reject("unparsed", 400, "malformed XML", str(error), error.group)
        return await self._accept(callback)

    async def _accept(self, callback: Callback) -> web.Response:
        kind = callback.kind.value
        if callback.kind in (Kind.UNKNOWN, Kind.APP_EVENT):
            # acknowledged and kept for operators, but there is nothing to do for it
            log.info("callback %s (event %r) acknowledged without action", kind, callback.event)
            self.metrics.callbacks.labels(kind, "ignored").inc()
            try:
                await asyncio.wait_for(self.queue.store.lpush_capped(UNKNOWN_LOG, _summary(callback, self.clock()),
                                                                     1000), self.store_deadline_s)
            except self._store_down:
                log.warning("an unknown callback was not kept: the store does not answer")
            return web.Response(status=200)
        put = self.queue.put(callback.dedup_key, kind, callback.conversation, callback.fields)
        try:
            entry = await self._in_time(put)
        except self._store_down as error:  # make WeCom retry rather than lose the event
            log.warning("a callback got 503: the store did not take it within %s (%s)",
                        human_duration(self.store_deadline_s), type(error).__name__)
            self.metrics.callbacks.labels(kind, "store_error").inc()
            return web.Response(status=503, text="temporarily unavailable")
        except Exception:
            log.exception("could not enqueue a %s callback", kind)
            self.metrics.callbacks.labels(kind, "store_error").inc()
            return web.Response(status=503, text="temporarily unavailable")
        self.metrics.callbacks.labels(kind, "accepted" if entry else "duplicate").inc()
        if not entry:
            log.info("callback %s conv=%s is a duplicate (a WeCom retry or a replay): acknowledged, not queued again",
                     kind, conversation_tag(callback.conversation))
        return web.Response(status=200)


    async def _in_time(self, put: Awaitable[str | None]) -> str | None:
        """The enqueue, given up (TimeoutError) when the store has not taken it within the deadline and is
        not answering anyone: frozen or gone. A store busy with a burst of callbacks is waited for."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(None) as deadline:
            watch = _Watch(self.queue.store, deadline, loop.time())
            watch.handle = loop.call_later(self.store_deadline_s, watch.check)
            try:
                return await put
            finally:
                watch.handle.cancel()  # also drops the handle's reference to the watch: no cycle to collect


class _Watch:
    """Checks, once the deadline has passed, whether the store is busy (wait on) or frozen (give up).

    A plain object rather than a closure that re-arms itself: such a closure refers to itself, and the
    cycle kept each callback's task and response alive until the collector's full pass, which under load
    ran every second and stopped the process for 30-120 ms."""

    __slots__ = ("deadline", "handle", "started", "store")

    def __init__(self, store: Store, deadline: asyncio.Timeout, started: float) -> None:
        self.store = store
        self.deadline = deadline
        self.started = started
        self.handle: asyncio.TimerHandle | None = None

    def check(self) -> None:
        loop = asyncio.get_running_loop()
        if self.store.answered_within(STORE_ALIVE_S) and loop.time() - self.started < STORE_PATIENCE_S:
            self.handle = loop.call_later(0.05, self.check)
        else:
            self.deadline.reschedule(loop.time())  # cancels the enqueue: _in_time raises TimeoutError


def _summary(callback: Callback, now: float) -> str:
    keep = ("MsgType", "Event", "ChangeType", "CreateTime")
    summary = {name: callback.fields[name] for name in keep if name in callback.fields}
    return json.dumps({"at": round(now, 3), **summary})


HealthCheck = Callable[[], Awaitable[tuple[bool, str]]]


def monitoring_routes(endpoint: CallbackEndpoint, health: HealthCheck) -> list[web.RouteDef]:
    """GET /healthz and GET /metrics: read-only, unauthenticated (bot/gateway/monitoring.py says where)."""
    async def healthz(_: web.Request) -> web.Response:
        ok, detail = await health()
        return web.json_response({"ok": ok, "detail": detail}, status=200 if ok else 503)

    async def metrics(_: web.Request) -> web.Response:
        try:
            endpoint.metrics.queue_depth.set(await asyncio.wait_for(endpoint.queue.depth(), HEALTH_DEADLINE_S))
        except Exception:  # the gauge keeps its last value when the store does not answer
            log.warning("queue depth unavailable: the store does not answer")
        body = generate_latest(endpoint.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return [web.get("/healthz", healthz), web.get("/metrics", metrics)]


def add_routes(app: web.Application, endpoint: CallbackEndpoint, health: HealthCheck, *,
               with_metrics: bool = True) -> None:
    """The public routes: the callback and /healthz, and /metrics unless it has an internal port of its own."""
    healthz, metrics = monitoring_routes(endpoint, health)
    app.router.add_get(CALLBACK_PATH, endpoint.verify_url)
    app.router.add_post(CALLBACK_PATH, endpoint.receive)
    app.router.add_routes([healthz, *([metrics] if with_metrics else [])])


def monitoring_app(endpoint: CallbackEndpoint, health: HealthCheck) -> web.Application:
    """The internal listener's app (SIYU_METRICS_PORT): /metrics and /healthz only."""
    app = web.Application(middlewares=[never_500])
    app.router.add_routes(monitoring_routes(endpoint, health))
    return app


CALLBACK_PATH = "/wecom/callback"


@web.middleware
async def misrouted(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A WeCom callback (it carries msg_signature) to a path with no route: the callback URL saved in the admin
    console has a typo. The 404 alone left the operator with nothing but the console's 回调URL校验失败."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if "msg_signature" in request.query:
            path = request.rel_url.raw_path[:100]
            log.warning("a WeCom callback came to %r, which siyu serve does not answer: the app's callback URL "
                        "(接收消息 → API接收) must end in %s", path, CALLBACK_PATH,
                        extra=throttled_as("callback misrouted", "a WeCom callback came to a path with no route"))
        raise


@web.middleware
async def never_500(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A bug must not turn into a 500 that WeCom retries forever; say 503 and log it."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except CLIENT_GONE:  # the client left: nobody to answer, nothing went wrong here
        log.debug("a client went away during %s %s", request.method, request.path)
        return web.Response(status=400)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return web.Response(status=503, text="temporarily unavailable")
