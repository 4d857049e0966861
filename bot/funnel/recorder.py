"""Customer events → funnel counts in the store (per local day) and on /metrics.

A listener on the event bus, idempotent where events can be told twice: a stage counts once per customer
(the first time), a churn once per customer and kind, a bot message once per (time, step). Churn — the
customer deleted the staff member, or said 别推了 — is put down to the last bot message and its step within
48 h before it: the "too pushy" alarm of `siyu report`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from prometheus_client import CollectorRegistry, Counter, Histogram

from bot.events import BOT_MESSAGE, CHURNED, FOLLOWUP, FOLLOWUP_STEP, MESSAGE, OPTED_OUT, CustomerEvent
from bot.followups.windows import local_day
from bot.funnel.stages import (
    ATTRIBUTION_S,
    CUSTOMER_KEY,
    CUSTOMER_TTL_MS,
    DAY_KEY,
    DAY_TTL_MS,
    FRT_BUCKETS,
    NO_CHANNEL,
    STAGE_OF_EVENT,
    field,
)
from bot.store.base import Store

log = logging.getLogger(__name__)


class FunnelMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.stages = Counter("siyu_funnel_customers", "Customers reaching a funnel stage for the first time",
                              ["channel", "stage"], registry=registry)
        self.messages = Counter("siyu_bot_messages", "Bot messages by the step that said them", ["step"],
                                registry=registry)
        self.churn = Counter("siyu_churn", "Deletions and opt-outs by the step of the last bot message within 48 h",
                             ["kind", "step"], registry=registry)
        self.followups = Counter("siyu_followups", "Follow-up outcomes by plan step (route for sent/confirmed)",
                                 ["step", "outcome", "route"], registry=registry)
        self.first_response = Histogram("siyu_first_response_seconds",
                                        "From a customer's first message to the bot's first answer", ["channel"],
                                        buckets=FRT_BUCKETS, registry=registry)


class FunnelRecorder:
    def __init__(self, store: Store, metrics: FunnelMetrics, *, timezone: str = "Asia/Shanghai",
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.metrics = metrics
        self.zone = ZoneInfo(timezone)
        self.clock = clock
        self._kept: set[str] = set()

    async def __call__(self, event: CustomerEvent) -> None:
        if not event.customer or event.conv.startswith("app:"):
            return
        key = CUSTOMER_KEY + event.customer
        if event.name == FOLLOWUP:  # the runner tells the channel; nothing else of the record is needed
            await self._followup(key, event)
            return
        record = await self.store.hgetall(key)
        channel = record.get("ch", "")
        if not channel and event.channel:
            channel = event.channel
            await self.store.hset(key, {"ch": channel}, ttl_ms=CUSTOMER_TTL_MS)
        counts: dict[str, int] = {}
        # she wrote with no add or enter_session before (a returning kf customer, one talking before the bot was
        # deployed): her first message is her entry into the funnel, counted apart as well
        if (event.name == MESSAGE and not {"s:added", "s:welcomed"} & record.keys()
                and await self.store.hincrby(key, "s:added") == 1):
            counts[field(channel, "stage", "added")] = 1
            counts[field(channel, "entry", "wrote_first")] = 1
            self.metrics.stages.labels(channel or NO_CHANNEL, "added").inc()
        stage = STAGE_OF_EVENT.get(event.name)
        if stage is not None and f"s:{stage}" not in record and await self.store.hincrby(key, f"s:{stage}") == 1:
            counts[field(channel, "stage", stage)] = 1
            self.metrics.stages.labels(channel or NO_CHANNEL, stage).inc()
            if stage == "replied" and "s:welcomed" in record:  # the reply rate's numerator: welcomed, then wrote
                counts[field(channel, "entry", "welcomed_replied")] = 1
        if event.name == MESSAGE and "s:first_response" not in record:  # the message the first answer answers
            await self.store.hset(key, {"fm": f"{event.at:.3f}"}, ttl_ms=CUSTOMER_TTL_MS)
        if event.name == MESSAGE:
            await self._reply_to_followup(key, record, channel, event, counts)
        elif event.name == BOT_MESSAGE:
            await self._bot_message(key, record, channel, event, counts)
        elif event.name in (CHURNED, OPTED_OUT):
            await self._churn(key, record, channel, event, counts)
        await self._count(event.at, counts)

    async def _bot_message(self, key: str, record: dict[str, str], channel: str, event: CustomerEvent,
                           counts: dict[str, int]) -> None:
        last = f"{event.at:.3f}|{event.step}|{event.key}"
        if record.get("lb") == last:
            return  # the same message told again after a redelivery
        await self.store.hset(key, {"lb": last}, ttl_ms=CUSTOMER_TTL_MS)
        counts[field(channel, "sent", event.step)] = 1
        self.metrics.messages.labels(event.step).inc()
        first = float(record.get("fm") or 0)
        answer = not event.step.startswith(FOLLOWUP_STEP)  # a scheduled follow-up answers nothing
        if first and answer and event.at >= first and await self.store.hincrby(key, "s:first_response") == 1:
            seconds = max(0.0, event.at - first)
            counts[field(channel, "frt", "n")] = 1
            counts[field(channel, "frt", "sum")] = round(seconds)
            bucket = next((b for b in FRT_BUCKETS if seconds <= b), None)
            counts[field(channel, "frt", str(bucket) if bucket else "inf")] = 1
            self.metrics.first_response.labels(channel or NO_CHANNEL).observe(seconds)

    async def _churn(self, key: str, record: dict[str, str], channel: str, event: CustomerEvent,
                     counts: dict[str, int]) -> None:
        kind = "deleted" if event.name == CHURNED else "opted_out"
        if await self.store.hincrby(key, f"c:{kind}") != 1:
            return
        step = "-"
        at, _, rest = record.get("lb", "").partition("|")
        if at and 0 <= event.at - float(at) <= ATTRIBUTION_S:
            step = rest.split("|", 1)[0] or "-"
        counts[field(channel, "churn", kind, step)] = 1
        self.metrics.churn.labels(kind, step).inc()
        log.info("churn (%s) put down to step %s", kind, step)

    async def _reply_to_followup(self, key: str, record: dict[str, str], channel: str, event: CustomerEvent,
                                 counts: dict[str, int]) -> None:
        at, _, step = record.get("lfu", "").partition("|")
        if at and not step.endswith("|r") and 0 <= event.at - float(at) <= ATTRIBUTION_S:
            await self.store.hset(key, {"lfu": f"{at}|{step}|r"}, ttl_ms=CUSTOMER_TTL_MS)
            counts[field(channel, "fureply", step)] = 1

    async def _followup(self, key: str, event: CustomerEvent) -> None:
        channel, counts = event.channel, {}
        if event.outcome == "sent":
            await self.store.hset(key, {"lfu": f"{event.at:.0f}|{event.step}"}, ttl_ms=CUSTOMER_TTL_MS)
        counts[field(channel, "fu", event.step, event.outcome)] = 1
        if event.outcome in ("sent", "confirmed"):
            counts[field(channel, "furoute", event.outcome, event.key)] = 1
            route = event.key
        else:
            if event.outcome != "due":  # reasons carry numbers (3天前): counted without them
                counts[field(channel, "fureason", event.outcome, re.sub(r"\d+(\.\d+)?", "N", event.key) or "-")] = 1
            route = ""
        self.metrics.followups.labels(event.step, event.outcome, route).inc()
        await self._count(event.at, counts)

    async def _count(self, at: float, counts: dict[str, int]) -> None:
        if not counts:
            return
        day = DAY_KEY + local_day(at or self.clock(), self.zone)
        for name, amount in counts.items():
            await self.store.hincrby(day, name, amount)
        if day not in self._kept:  # the day's counts expire after 400 days: set once per process and day
            await self.store.hset(day, {"_": "1"}, ttl_ms=DAY_TTL_MS)
            self._kept.add(day)
