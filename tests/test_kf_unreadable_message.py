"""One kf message that cannot be read must not silence the kf account (attack14).

A message in kf/sync_msg with `text: null`, or an event that is not an object, or an origin that is no number,
made the pull raise on it; the cursor stayed before it, so every later pull met it again and failed: the
notification was dead-lettered and no customer of that kf account was ever answered again. Such a message is
now recorded in siyu:log:kf_unanswered (without its content) and skipped; the pull goes on.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.gateway.kf_pull import UNANSWERED_LOG, KfPuller
from bot.gateway.queue import Queue
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom


@pytest.fixture
async def api(fake: FakeWeCom, store: Store) -> AsyncIterator[WeComAPI]:
    async with aiohttp.ClientSession() as session:
        yield WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=Metrics(), timeout_s=0.5, rate_limit_pause_max_s=0.01)


def _raw(msgid: str, **fields: Any) -> dict[str, Any]:
    return {"msgid": msgid, "open_kfid": "wk", "send_time": int(time.time()), **fields}


async def test_an_unreadable_kf_message_is_recorded_and_the_ones_after_it_are_answered(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    puller = KfPuller(store, api, queue, Metrics())
    fake.add_kf_message("wk", "wmFirst", "你好")
    await puller.pull("wk", "T")  # a cursor is stored: what follows is news
    fake.kf_log["wk"] += [
        _raw("bad1", external_userid="wmNull", origin=3, msgtype="text", text=None),
        _raw("bad2", origin=4, msgtype="event", event="enter_session"),
        _raw("bad3", external_userid="wmOrigin", origin="customer", msgtype="text", text={"content": "在吗"}),
        "not a message",
    ]
    fake.add_kf_message("wk", "wmAfter", "包邮吗")
    assert await puller.pull("wk", "T") == 1  # the message after the unreadable ones is queued
    assert await store.get("siyu:kf:wk:cursor") == str(len(fake.kf_log["wk"]))  # and the cursor moved past them
    records = [json.loads(raw) for raw in await store.lrange(UNANSWERED_LOG, 0, -1)]
    assert sorted(r["msgid"] for r in records) == ["", "bad1", "bad2", "bad3"]
    assert {r["reason"] for r in records} == {"unreadable"}
    assert "在吗" not in json.dumps(records, ensure_ascii=False)  # what a customer wrote is not kept in the log
    fake.add_kf_message("wk", "wmLater", "还在吗")
    assert await puller.pull("wk", "T") == 1  # the account is not stuck


async def test_a_page_that_says_has_more_without_moving_the_cursor_ends_the_pull(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    """has_more with the same (or no) next_cursor made the puller ask for the same page forever, holding the kf
    account's pull lock and WeCom's rate limit: the pull now ends there; the next notification pulls again."""
    queue = Queue(store)
    await queue.setup()
    fake.add_kf_message("wk", "wmStuck", "在吗")
    answer = fake._kf_sync_msg

    def stuck(body: dict[str, Any]) -> dict[str, Any]:
        return {**answer(body), "has_more": 1, "next_cursor": ""}

    fake._kf_sync_msg = stuck  # type: ignore[method-assign]
    puller = KfPuller(store, api, queue, Metrics())
    assert await asyncio.wait_for(puller.pull("wk", "T"), 5) == 1
    assert len(fake.calls_to("kf/sync_msg")) <= 2
