"""`siyu forget` while her kf welcome is held (attack15).

A customer who opens the kf chat has her welcome held `SIYU_KF_WELCOME_HOLD` for her first message
(bot/gateway/kf_welcome.py): the enter_session's fields (her id among them) wait in `siyu:kf:welcome:<conv>` and
a wake-up naming her conversation in `siyu:kf:welcome_holds`. `siyu forget` erased neither: her id stayed in
the store, and when the wake-up came the welcome went out to the customer who had asked to be forgotten and a
new session was written for her. Both are now erased with the rest. The whole bot on a real Redis.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.retention.forget import forget
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.kf_kit import naming
from tests.test_kf_welcome_hold import HOLD, held, notify, start, welcomes

CUSTOMER = "wmForgetMe"


async def test_forget_during_a_held_welcome_erases_it_and_nothing_is_sent(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    fake.add_kf_event("wk1", {"event_type": "enter_session", "external_userid": CUSTOMER, "welcome_code": "WF",
                              "scene": "qr", "scene_param": ""})
    await notify(client)
    await held(client, CUSTOMER)
    await forget(redis_store, CUSTOMER)
    await asyncio.sleep(HOLD + 1.5)  # the wake-up's time has come and gone
    assert welcomes(fake) == []
    assert await naming(CUSTOMER) == []  # nothing of hers is left in the store
