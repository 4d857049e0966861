"""A contact welcome whose first try timed out but reached WeCom (attack15).

WeCom took the welcome but answered later than the client's timeout; the retry, same code, got 41051 (the
code is valid once). That was taken as "another sender or the admin console used it": the customer had our
welcome, but `welcomed` was never told, so the funnel did not count it and the follow-up plans that start from a
welcome never started for her. A 41051 after our own try may have reached WeCom now counts as delivered.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.app import APP_SERVICES, build_app
from bot.config import Limits
from bot.events import WELCOMED, CustomerEvent
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import EchoConversation, eventually, settings
from tests.wecom import callback, event

FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}


def new_contact(customer: str, code: str) -> tuple[dict[str, str], bytes]:
    return callback(event("change_external_contact", ChangeType="add_external_contact", UserID="s",
                          ExternalUserID=customer, WelcomeCode=code))


async def start(fake: FakeWeCom, store: Store, aiohttp_client: Any, told: list[CustomerEvent]) -> Any:
    app = build_app(settings(fake.base_url, limits=Limits(wecom_timeout_s=0.5)), lambda _: EchoConversation(),
                    store=store, worker_options=FAST)
    client = await aiohttp_client(app)

    async def listen(customer_event: CustomerEvent) -> None:
        told.append(customer_event)

    app[APP_SERVICES].events.subscribe(listen)
    return client


async def test_a_welcome_wecom_took_after_the_timeout_counts_as_welcomed(
        fake: FakeWeCom, store: Store, aiohttp_client: Any) -> None:
    told: list[CustomerEvent] = []
    client = await start(fake, store, aiohttp_client, told)
    fake.answer_late("externalcontact/send_welcome_msg", 1.0)  # taken, but answered after the client gave up
    query, body = new_contact("wmSlow", "WSLOW")
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200
    await eventually(lambda: len(fake.calls_to("externalcontact/send_welcome_msg")) >= 2, within=10)
    await eventually(lambda: any(e.name == WELCOMED for e in told), within=5)
    assert len([d for d in fake.delivered if d["endpoint"] == "externalcontact/send_welcome_msg"]) == 1


async def test_a_code_someone_else_used_is_still_not_counted_as_our_welcome(
        fake: FakeWeCom, store: Store, aiohttp_client: Any) -> None:
    told: list[CustomerEvent] = []
    client = await start(fake, store, aiohttp_client, told)
    fake.used_codes.add("WOTHER")  # the admin console's welcome took it
    query, body = new_contact("wmOther", "WOTHER")
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200
    await eventually(lambda: bool(fake.calls_to("externalcontact/send_welcome_msg")))
    await asyncio.sleep(0.5)
    assert not any(e.name == WELCOMED for e in told)
