"""A handover WeCom refuses because a person already has the session is done, not dead-lettered (attack14).

kf/service_state/trans moves a session only forward (3 "with a person" may go only to 3 or 4): when a
receptionist took the customer between her message and the bot's handover, WeCom refuses the move to the
queue (2). The refusal failed the turn's event four times and dead-lettered it with an ERROR line, for a
customer a person was already talking to (and `siyu deadletters --replay` would fail the same way). A
refused handover now asks WeCom where the session is: with a person (2 or 3), the handover is done.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.gateway.deadletters import DeadLetters
from bot.gateway.kf import KfChannel
from bot.gateway.kf_pull import KfPuller
from bot.gateway.queue import Queue
from bot.gateway.sender import Sender
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI, WeComError
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom

REFUSED = 95016  # 不允许这种状态转换


@pytest.fixture
async def kf(fake: FakeWeCom, store: Store) -> AsyncIterator[KfChannel]:
    async with aiohttp.ClientSession() as session:
        api = WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=Metrics(), timeout_s=0.5, rate_limit_pause_max_s=0.01)
        metrics = Metrics()
        sender = Sender(api, DeadLetters(store), metrics, retry_max_s=0.01)
        yield KfChannel(store, api, KfPuller(store, api, Queue(store), metrics), sender, metrics)


async def test_a_handover_refused_because_a_person_took_her_is_done(kf: KfChannel, fake: FakeWeCom) -> None:
    await kf.service_state("wk", "wmTaken")  # the bot had her (1), as it does when it answers
    fake.service_states[("wk", "wmTaken")] = 3  # a receptionist took her meanwhile
    fake.fail("kf/service_state/trans", REFUSED)
    await kf.hand_over("wk", "wmTaken")
    assert await kf.human_has_session("wk", "wmTaken")


async def test_a_handover_refused_while_the_bot_still_has_her_is_still_an_error(
        kf: KfChannel, fake: FakeWeCom) -> None:
    fake.fail("kf/service_state/trans", REFUSED)
    with pytest.raises(WeComError):
        await kf.hand_over("wk", "wmStill")
