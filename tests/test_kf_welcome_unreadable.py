"""A held kf welcome in Redis that cannot be read must not cost her first message (attack15b).

Her message reads the welcome held for her before it is answered: a held record that was not JSON (another
version's, a hand edit) raised there, so her message failed four times and was dead-lettered — unanswered. The
record is now kept in `siyu:log:unreadable` and dropped (its 20 s code is of no use later), and she is answered.
"""

from __future__ import annotations

import json
from typing import Any

from bot.gateway.kf_welcome import pending_key
from bot.store.base import Store
from bot.store.unreadable import UNREADABLE_LOG
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import eventually
from tests.test_kf_welcome_hold import answers, notify, start


async def test_her_message_is_answered_past_an_unreadable_held_welcome(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    await redis_store.set(pending_key("kf:wk1:wmOdd"), '{"event": "ev1", "received": "soon", "data": [')
    fake.add_kf_message("wk1", "wmOdd", "包邮吗")
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmOdd")))
    assert "59" in answers(fake, "wmOdd")[0]
    [kept] = [json.loads(item) for item in await redis_store.lrange(UNREADABLE_LOG, 0, -1)]
    assert kept["key"] == pending_key("kf:wk1:wmOdd") and kept["customer"] == "wmOdd"
    assert await redis_store.get(pending_key("kf:wk1:wmOdd")) is None
