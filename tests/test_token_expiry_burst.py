"""The access token expiring in the middle of a burst of sends from two processes (attack15, held).

WeCom answers 42001 to every send with the old token: each process refreshes once (one gettoken for both, the
refresh is shared through the store) and every message goes out once.
"""

from __future__ import annotations

import asyncio

import aiohttp

from bot.metrics import Metrics
from bot.protocol.api import WeComAPI
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom


async def test_thirty_sends_across_a_token_expiry_go_out_once_with_one_refresh(store: Store, fake: FakeWeCom) -> None:
    async with aiohttp.ClientSession() as session:
        apis = [WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                         metrics=Metrics()) for _ in range(2)]
        for api in apis:
            await api.kf_service_state("wk", "c")
        fake.expire_tokens()
        await asyncio.gather(*(apis[i % 2].kf_send_msg(f"c{i}", "wk", f"m{i}", {"msgtype": "text",
                                                                                   "text": {"content": "x"}})
                               for i in range(30)))
    assert len(fake.calls_to("gettoken")) == 2  # the first token, and one refresh for both processes
    assert sorted(d["msgid"] for d in fake.delivered) == sorted(f"m{i}" for i in range(30))
