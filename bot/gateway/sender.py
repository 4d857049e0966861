"""Sending through WeCom with patience: retry what can be retried for as long as sending is still allowed.

WeCom busy (-1), rate limits (45009, 45033) and transport failures (timeouts, refused connections) are
waited out with exponential backoff and jitter, capped at `SIYU_SEND_RETRY_MAX` seconds, until the
message's deadline (for kf, 48 h after the customer's last message). Then it is recorded as expired.
A refusal that retrying cannot fix goes to the dead letters with its full payload.

A timed-out send may have reached WeCom. Its retry carries the same kf msgid; WeCom documents that a
msgid must be unique within the kf account and refuses a repeat with an error (which errcode is not
documented). So when a send that may already have gone out is refused with an errcode we do not know,
it is taken as delivered ("reconciled") rather than dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from bot.gateway.deadletters import EXPIRED, DeadLetters
from bot.logging_setup import throttled_as
from bot.metrics import Metrics
from bot.protocol.api import TRANSPORT_ERRCODE, WeComAPI, WeComError, is_transient

log = logging.getLogger(__name__)

SENT, RECONCILED, EXPIRED_OUTCOME, DEAD, REFUSED = "sent", "reconciled", "expired", "dead", "refused"
IDEMPOTENT = frozenset({"kf/send_msg", "kf/send_msg_on_event"})  # endpoints that take our msgid
Deadline = Callable[[], Awaitable[float]]  # unix seconds after which sending is no longer allowed; 0 = never
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Send:
    channel: str  # for metrics: kf, kf_welcome, welcome, app
    endpoint: str
    payload: dict[str, Any]
    customer: str = ""
    event: str = ""
    about: tuple[str, ...] = ()  # customer tags of whom the message speaks (an owner notice): siyu forget


@dataclass(frozen=True, slots=True)
class Result:
    outcome: str
    errcode: int = 0
    body: dict[str, Any] | None = None  # WeCom's answer to a send it took (add_msg_template: msgid, fail_list)
    uncertain: bool = False  # a refusal after an earlier try of this message may have reached WeCom


class Backoff:
    """Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... capped at `cap` seconds."""

    def __init__(self, cap: float, base: float = 0.5) -> None:
        self.cap = cap
        self.base = min(base, cap)
        self.attempt = 0

    def next(self) -> float:
        delay = min(self.cap, self.base * 2.0 ** min(self.attempt, 30)) * (0.5 + random.random() / 2)
        self.attempt += 1
        return delay


async def retry_transient(call: Callable[[], Awaitable[_T]], deadline: Deadline, *, cap: float,
                          what: str, clock: Callable[[], float] = time.time,
                          sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> _T:
    """Run call until it succeeds, retrying transient WeCom failures until the deadline passes."""
    backoff = Backoff(cap)
    while True:
        try:
            return await call()
        except WeComError as error:
            if not is_transient(error):
                raise
            ends = await deadline()
            delay = backoff.next()
            if ends and clock() + delay >= ends:
                raise
            log.warning("%s failed with errcode %d; retrying", what, error.errcode,
                        extra=throttled_as(f"retrying {what} errcode {error.errcode}"))  # each errcode says its own
            await sleep(delay)


class Sender:
    def __init__(self, api: WeComAPI, dead_letters: DeadLetters, metrics: Metrics, *,
                 clock: Callable[[], float] = time.time, retry_max_s: float = 60.0, concurrency: int = 8,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.api = api
        self.dead_letters = dead_letters
        self.metrics = metrics
        self.clock = clock
        self.retry_max_s = retry_max_s
        self.sleep = sleep
        # a cap on sends in flight: it bounds what a crash can leave uncertain
        self._slots = asyncio.Semaphore(concurrency)

    async def send(self, item: Send, deadline: Deadline, *, uncertain: bool = False,
                   expected: frozenset[int] = frozenset()) -> Result:
        """Send once; `uncertain` says an earlier try of this very message may have reached WeCom."""
        backoff = Backoff(self.retry_max_s)
        while True:
            ends = await deadline()
            if ends and self.clock() >= ends:
                return await self._expired(item, ends)
            try:
                async with self._slots:
                    body = await self.api.call(item.endpoint, item.payload, retry=False)
            except WeComError as error:
                if is_transient(error):
                    uncertain = uncertain or error.errcode == TRANSPORT_ERRCODE
                    delay = backoff.next()
                    if ends:
                        delay = min(delay, max(0.0, ends - self.clock()))
                    self.metrics.outbound.labels(item.channel, "retry").inc()
                    log.warning("%s failed with errcode %d; the message waits and is retried",
                                item.endpoint, error.errcode,
                                extra=throttled_as(f"waiting {item.endpoint} errcode {error.errcode}"))
                    await self.sleep(delay)
                    continue
                if error.errcode in expected:
                    return Result(REFUSED, error.errcode, uncertain=uncertain)
                if uncertain and item.endpoint in IDEMPOTENT:
                    self.metrics.outbound.labels(item.channel, RECONCILED).inc()
                    log.info("%s refused a repeated msgid (errcode %d): it had been delivered",
                             item.endpoint, error.errcode)
                    return Result(RECONCILED, error.errcode)
                await self.dead_letters.send_failed(item.endpoint, item.payload, str(error), deadline=ends,
                                                    customer=item.customer, event=item.event, about=item.about)
                self.metrics.outbound.labels(item.channel, DEAD).inc()
                log.error("%s refused for good (errcode %d): kept in the dead letters (siyu deadletters)",
                          item.endpoint, error.errcode, extra=throttled_as(f"dead:{item.endpoint}:{error.errcode}"))
                return Result(DEAD, error.errcode)
            self.metrics.outbound.labels(item.channel, SENT).inc()
            return Result(SENT, body=body)

    async def _expired(self, item: Send, ends: float) -> Result:
        await self.dead_letters.send_failed(item.endpoint, item.payload, "the reply window closed before WeCom "
                                            "accepted the message", status=EXPIRED, deadline=ends,
                                            customer=item.customer, event=item.event, about=item.about)
        self.metrics.outbound.labels(item.channel, EXPIRED_OUTCOME).inc()
        log.warning("%s not sent: its reply window closed while WeCom was unavailable (recorded as expired)",
                    item.endpoint)
        return Result(EXPIRED_OUTCOME)
