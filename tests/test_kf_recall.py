"""A customer's message recalled before its burst is answered is not answered (attack15).

WeCom's kf/sync_msg reports a recall as an origin-4 event `user_recall_msg` naming the recalled message in
`recall_msgid`. The bot waits `burst_window` for a burst to end before answering it; a message recalled within
that wait was answered all the same (the event was "recorded without action"): the customer took back what
she wrote and got an answer to it. It is now taken out of the waiting burst; a burst left empty is not answered.
A message already answered stays answered (a kf reply cannot be taken back quietly). The whole bot (gateway,
engine, bundled content) on a real Redis, the fake WeCom API.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from bot.store.base import Store
from tests import kf_kit
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import eventually
from tests.kf_kit import notify

WINDOW = 2.0


async def start(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    return await kf_kit.start(fake, store, aiohttp_client, burst_window=WINDOW)


def recall(fake: FakeWeCom, customer: str, msgid: str) -> None:
    fake.add_kf_event("wk1", {"event_type": "user_recall_msg", "external_userid": customer, "recall_msgid": msgid})


def answers(fake: FakeWeCom, customer: str) -> list[str]:
    return [c["text"]["content"] for c in fake.calls_to("kf/send_msg") if c["touser"] == customer and "text" in c]


async def test_a_message_recalled_within_the_burst_window_is_not_answered(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    sent = fake.add_kf_message("wk1", "wmOops", "包邮吗")
    fake.add_kf_message("wk1", "wmKept", "包邮吗")  # the control: not recalled, answered in the same wait (review15)
    await notify(client)
    await asyncio.sleep(0.3)
    recall(fake, "wmOops", sent)
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmKept")), within=WINDOW + 8)
    await asyncio.sleep(0.5)  # the burst's end has come and gone for both
    assert answers(fake, "wmOops") == []


async def test_the_rest_of_a_burst_is_answered_without_the_recalled_message(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    fake.add_kf_message("wk1", "wmHalf", "包邮吗")
    wrong = fake.add_kf_message("wk1", "wmHalf", "孕妇能用吗")
    recall(fake, "wmHalf", wrong)
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmHalf")), within=WINDOW + 8)
    await asyncio.sleep(0.5)
    said = "\n".join(answers(fake, "wmHalf"))
    assert "59" in said  # 包邮吗 is answered (knowledge/faq.yaml: free shipping over 59)
    assert "孕" not in said  # the recalled question is not


async def test_a_recall_after_the_answer_changes_nothing(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    sent = fake.add_kf_message("wk1", "wmLate", "包邮吗")
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmLate")), within=WINDOW + 8)
    recall(fake, "wmLate", sent)
    await notify(client)
    await asyncio.sleep(1.0)
    assert len(answers(fake, "wmLate")) == 1
