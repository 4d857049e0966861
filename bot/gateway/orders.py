"""Orders from the shop: `POST /orders` (enabled by SIYU_ORDER_TOKEN) and `siyu purchase`, both queued.

    POST /orders   Authorization: Bearer <SIYU_ORDER_TOKEN>
    {"external_userid": "wm…", "order_id": "…", "product": "clear_serum", "paid_at": 1767225600}

An order is queued once per order_id (retries are safe) and handled in order with the customer's other
events: the purchase goes into the profile, and the `purchased` customer event ends the plans that stop
on it, starts the after-purchase plan and counts in the funnel.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import re
import time
from collections.abc import Callable, Collection

from aiohttp import web

from bot.content.durations import human_duration
from bot.events import PURCHASED, CustomerEvent, EventBus
from bot.gateway.queue import Event, Queue
from bot.profile.store import Profiles
from bot.store.base import Store

log = logging.getLogger(__name__)

KIND = "order"
MAX_BODY = 16 * 1024


CUSTOMER_ID = re.compile(r"[A-Za-z0-9_.@-]{1,128}")  # external_userid (wm…/wo…) or a member's userid
MAX_ID = 128  # order_id and product
FUTURE_SLACK_S = 3600  # the shop's clock may run ahead a little; more is a mistake (milliseconds, a typo)
RETRY_LATER = {"Retry-After": "5"}  # a 503: the store did not take the order; the shop retries it (one per order_id)


def order_fields(body: object, now: float | None = None) -> dict[str, str] | str:
    """The order's fields, or what is wrong with it. Everything queued here can be stored and used as is:
    an id that keys and logs can carry, a finite paid_at that is not in the future."""
    if not isinstance(body, dict):
        return "expected a JSON object"
    customer, order_id = body.get("external_userid"), body.get("order_id")
    if customer is None or (isinstance(customer, str) and not customer.strip()):
        return "external_userid is missing"
    if not isinstance(customer, str) or not CUSTOMER_ID.fullmatch(customer.strip()):
        return "external_userid must be a WeCom id (1-128 letters, digits, _ - . @)"
    if order_id is None or (isinstance(order_id, str) and not order_id.strip()):
        return "order_id is missing"
    if isinstance(order_id, bool) or not isinstance(order_id, str | int):
        return "order_id must be text or a whole number"
    order = str(order_id).strip()
    if len(order) > MAX_ID or not order.isprintable():
        return f"order_id must be at most {MAX_ID} printable characters"
    product = body.get("product", "")
    if not isinstance(product, str):
        return "product must be text"
    if len(product.strip()) > MAX_ID or not product.isprintable():
        return f"product must be at most {MAX_ID} printable characters"
    paid_at = body.get("paid_at", 0)
    if not isinstance(paid_at, int | float) or isinstance(paid_at, bool) or not math.isfinite(paid_at) or paid_at < 0:
        return "paid_at must be unix seconds"
    now = time.time() if now is None else now
    if 1e12 <= paid_at <= (now + FUTURE_SLACK_S) * 1000:
        return "paid_at must be unix seconds, not milliseconds"
    if paid_at > now + FUTURE_SLACK_S:
        return "paid_at is in the future"
    return {"customer": customer.strip(), "order_id": order, "product": product.strip(), "paid_at": str(paid_at)}


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


async def queue_order(queue: Queue, fields: dict[str, str]) -> bool:
    """Queue the order once per customer and order_id; False when it was queued before. The customer is part
    of the key: the same order number for another customer (a second store front, a corrected id) is
    another purchase, not a retry."""
    key = f"order:{fields['customer']}:{fields['order_id']}"  # customer ids carry no ':' (CUSTOMER_ID)
    entry = await queue.put(key, KIND, f"order:{fields['customer']}", fields)
    return entry is not None


class OrderIntake:
    def __init__(self, queue: Queue, token: str, read_timeout_s: float = 5.0, *,
                 catalogue: Callable[[], Collection[str] | None] = lambda: None) -> None:
        self.queue = queue
        self.token = token
        self.read_timeout_s = read_timeout_s
        self.catalogue = catalogue  # product ids of the content in use (None: not known yet)

    async def receive(self, request: web.Request) -> web.Response:
        scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), self.token.encode()):
            return web.json_response({"ok": False, "error": "wrong or missing bearer token"}, status=401)
        too_big = web.json_response({"ok": False, "error": f"body over {MAX_BODY} bytes"}, status=413)
        if (request.content_length or 0) > MAX_BODY:
            return too_big
        try:  # the whole body (a chunked one declares no length), bounded by the app's client_max_size
            async with asyncio.timeout(self.read_timeout_s):  # the connection guard leaves bodies to endpoints
                raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return too_big
        except TimeoutError:
            late = f"body not received within {human_duration(self.read_timeout_s)}"
            return web.json_response({"ok": False, "error": late}, status=408)
        if len(raw) > MAX_BODY:
            return too_big
        try:  # NaN/Infinity are not JSON; nesting deep enough to exhaust the parser is not an order either
            body = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return web.json_response({"ok": False, "error": "body is not JSON"}, status=400)
        fields = order_fields(body)
        if isinstance(fields, str):
            return web.json_response({"ok": False, "error": fields}, status=400)
        try:
            fresh = await queue_order(self.queue, fields)
        except self.queue.store.unavailable as error:
            log.warning("an order was not queued: the store does not answer (%s); 503", type(error).__name__)
            return web.json_response({"ok": False, "error": "temporarily unavailable"}, status=503,
                                     headers=RETRY_LATER)
        except Exception:
            log.exception("could not queue an order")
            return web.json_response({"ok": False, "error": "temporarily unavailable"}, status=503,
                                     headers=RETRY_LATER)
        answer: dict[str, object] = {"ok": True, "duplicate": not fresh}
        known = self.catalogue()
        if fields["product"] and known is not None and fields["product"] not in known:
            # recorded all the same (an order is never lost), but the product cannot be excluded from later
            # recommendations: the shop should send the ids of knowledge/products.yaml
            answer["warning"] = f"product {fields['product']!r} is not in knowledge/products.yaml"
            log.warning("an order names a product that is not in knowledge/products.yaml")
        return web.json_response(answer)


class OrderHandler:
    """The queued order: into the profile, then told as a customer event."""

    def __init__(self, store: Store, events: EventBus, clock: Callable[[], float] = time.time, *,
                 profiles: Profiles | None = None) -> None:
        self.profiles = profiles or Profiles(store)
        self.events = events
        self.clock = clock

    async def __call__(self, event: Event) -> None:
        data = event.data
        customer, order_id = data.get("customer", ""), data.get("order_id", "")
        at = float(data.get("paid_at") or 0) or self.clock()
        async with self.profiles.edit(customer) as profile:
            if f"order:{order_id}" not in profile.applied:
                profile.record_purchase(data.get("product", ""), at)
                profile.remember(f"order:{order_id}")
        await self.events.emit([CustomerEvent(PURCHASED, customer, at, conv=event.conversation)])
        log.info("an order was recorded as a purchase")
