"""A kf cursor WeCom refuses for good must not silence the kf account (attack15).

The cursor is stored per kf account and every pull starts from it. When WeCom stops taking it (expired after
its three days, or otherwise invalid: the errcode is not documented), every pull failed on it, the notification
was retried and dead-lettered, and no later message of that account was ever pulled: the account went silent
for good. The refused cursor is now dropped with one ERROR line and the pull starts again from the oldest
messages WeCom still holds; the dedup markers keep those already queued from being answered twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.gateway.kf_pull import KfPuller
from bot.gateway.queue import Queue
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI, WeComError
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom

INVALID_CURSOR = 40058  # a parameter WeCom refuses; the code it really uses for a cursor is not documented


@pytest.fixture
async def api(fake: FakeWeCom, store: Store) -> AsyncIterator[WeComAPI]:
    async with aiohttp.ClientSession() as session:
        yield WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=Metrics(), timeout_s=0.5, rate_limit_pause_max_s=0.01)


async def test_a_refused_cursor_is_dropped_and_the_pull_goes_on_without_answering_twice(
        api: WeComAPI, fake: FakeWeCom, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    queue = Queue(store)
    await queue.setup()
    puller = KfPuller(store, api, queue, Metrics())
    fake.add_kf_message("wk", "wmOld", "你好")
    assert await puller.pull("wk", "T") == 1  # queued once, its dedup marker kept
    await store.set("siyu:kf:wk:cursor", "STALE")  # a cursor WeCom no longer takes
    fake.refused_cursors["STALE"] = INVALID_CURSOR
    fake.add_kf_message("wk", "wmNew", "包邮吗")
    with caplog.at_level(logging.INFO, logger="bot.gateway.kf_pull"):
        assert await puller.pull("wk", "T") == 1  # only the new message: the old one is not queued again
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "cursor" in errors[0].getMessage() and str(INVALID_CURSOR) in errors[0].getMessage()
    assert await store.get("siyu:kf:wk:cursor") == "2"  # the new cursor WeCom gave is kept
    fake.add_kf_message("wk", "wmLater", "还在吗")
    assert await puller.pull("wk", "T") == 1  # and the account goes on from it


async def test_an_account_wecom_refuses_even_without_a_cursor_still_fails_and_keeps_its_cursor(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    await store.set("siyu:kf:wk:cursor", "5")
    fake.fail("kf/sync_msg", 95000, times=4)  # 不合法的open_kfid: the account, not the cursor, is refused
    with pytest.raises(WeComError):
        await KfPuller(store, api, queue, Metrics()).pull("wk", "T")
    assert await store.get("siyu:kf:wk:cursor") == "5"  # a cursor is dropped only once WeCom took the pull without it


@pytest.mark.parametrize("msg_list", ['"abc"', '{"msgid": "x"}', "42"])
async def test_a_page_whose_msg_list_is_no_list_is_pulled_again_not_skipped(
        api: WeComAPI, fake: FakeWeCom, store: Store, msg_list: str) -> None:
    """A sync_msg answer whose msg_list is no list (a proxy's rewrite, a cut answer) moved the cursor to its
    next_cursor: the page's messages were skipped for good (and a string's characters logged as messages)."""
    queue = Queue(store)
    await queue.setup()
    fake.add_kf_message("wk", "wmA", "你好")
    fake.answer_raw("kf/sync_msg", '{"errcode": 0, "next_cursor": "99", "has_more": 0, "msg_list": ' + msg_list + "}")
    assert await KfPuller(store, api, queue, Metrics(), retry_max_s=0.01).pull("wk", "T") == 1
    assert await store.get("siyu:kf:wk:cursor") == "1"
    assert await store.lrange("siyu:log:kf_unanswered", 0, -1) == []


async def test_wecom_refusing_its_own_next_cursor_fails_the_pull_instead_of_looping(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    for n in range(3):
        fake.add_kf_message("wk", f"wm{n}", "你好")
    await store.set("siyu:kf:wk:cursor", "STALE")
    fake.refused_cursors.update({"STALE": INVALID_CURSOR, "1": INVALID_CURSOR})
    original = fake._kf_sync_msg

    def one_a_page(body: dict[str, object]) -> dict[str, object]:
        return original({**body, "limit": 1})

    fake._kf_sync_msg = one_a_page  # type: ignore[method-assign]
    with pytest.raises(WeComError):
        await asyncio.wait_for(KfPuller(store, api, queue, Metrics()).pull("wk", "T"), 5)


async def test_after_a_dropped_cursor_messages_too_old_to_answer_are_recorded_not_answered(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    """The pull starts again from the oldest messages WeCom holds, as with no cursor at all: one sent while the pull
    was stuck (two days ago) is recorded in kf_unanswered, not answered days late (review15)."""
    queue = Queue(store)
    await queue.setup()
    await store.set("siyu:kf:wk:cursor", "STALE")
    fake.refused_cursors["STALE"] = INVALID_CURSOR
    fake.add_kf_message("wk", "wmStuck", "在吗", send_time=int(time.time()) - 2 * 86400)
    fake.add_kf_message("wk", "wmNow", "包邮吗")
    assert await KfPuller(store, api, queue, Metrics()).pull("wk", "T") == 1  # only the message of now
    assert len(await store.lrange("siyu:log:kf_unanswered", 0, -1)) == 1


async def test_a_refused_cursor_is_not_first_blamed_on_the_callback_token(
        api: WeComAPI, fake: FakeWeCom, store: Store, caplog: pytest.LogCaptureFixture) -> None:
    """It was pulled again without the token (on the tighter rate limit) and logged as the token's fault before the
    cursor was dropped: three calls and a misleading line (review15). Now two calls, one ERROR, no token line."""
    queue = Queue(store)
    await queue.setup()
    await store.set("siyu:kf:wk:cursor", "STALE")
    fake.refused_cursors["STALE"] = INVALID_CURSOR
    fake.add_kf_message("wk", "wmNew", "包邮吗")
    with caplog.at_level(logging.INFO, logger="bot.gateway.kf_pull"):
        assert await KfPuller(store, api, queue, Metrics()).pull("wk", "T") == 1
    assert not [r for r in caplog.records if "callback token" in r.getMessage()]
    assert [c.get("token") for c in fake.calls_to("kf/sync_msg")] == ["T", "T"]


async def test_a_refused_callback_token_keeps_a_good_cursor(api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    """The token's refusal (WeCom takes the pull only without it) must not drop the cursor."""
    queue = Queue(store)
    await queue.setup()
    for n in range(2):
        fake.add_kf_message("wk", f"wm{n}", "你好")
    await store.set("siyu:kf:wk:cursor", "1")
    fake.refused_tokens.add("BAD")
    assert await KfPuller(store, api, queue, Metrics()).pull("wk", "BAD") == 1  # only the message after the cursor
    assert await store.get("siyu:kf:wk:cursor") == "2"
