"""`siyu forget` racing her recall (attack15c): she wrote, recalled it, and was forgotten before the worker pulled
the recall. The recall was dated when the worker handled it, not when she sent it, so the engine took it for
something she did after the forget: it wrote a session under her id again (the conversation's key names her).
It is now dated by its send_time, as her messages are: what she did before the forget leaves nothing.
The whole bot on a real Redis, the fake WeCom API."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bot.retention.forget import forget
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import eventually
from tests.kf_kit import notify
from tests.test_forget_pending_burst import WINDOW, answers, naming, start


async def test_a_recall_sent_before_the_forget_leaves_nothing(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    sent = fake.add_kf_message("wk1", "wmRace", "包邮吗")
    await notify(client)
    await eventually(lambda: bool(fake.calls_to("kf/service_state/get")))
    recalled_at = int(time.time())
    await asyncio.sleep(0.3)
    await forget(redis_store, "wmRace")
    fake.add_kf_event("wk1", {"event_type": "user_recall_msg", "external_userid": "wmRace", "recall_msgid": sent},
                      send_time=recalled_at)
    await notify(client)
    await asyncio.sleep(WINDOW + 1.5)
    assert answers(fake, "wmRace") == []
    # the queue holds the recall as WeCom sent it after the forget (trimmed with the queue); nothing else names her
    assert [key for key in await naming("wmRace") if not key.startswith("siyu:q:")] == []
