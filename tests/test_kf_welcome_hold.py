"""The kf welcome held for the customer's first message (bot/gateway/kf_welcome.py): the whole bot (gateway, engine,
bundled content) on a real Redis, callbacks encrypted as WeCom sends them, the fake WeCom API."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import APP_SERVICES, build_app
from bot.config import ConfigError, load_settings
from bot.engine.conditions import _slot_holds
from bot.gateway.kf_pull import first_texts
from bot.gateway.kf_welcome import HOLDS_KEY, pending_key
from bot.store.base import Store
from bot.wiring import make_conversation_factory
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import ROOT, eventually, settings
from tests.wecom import AES_KEY, callback, event

FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}
HOLD = 3.0
LATE = "真的抱歉让你等这么久"  # knowledge/faq.yaml late_delivery: the apology, and a person
COMPLAINT = "我的快递怎么还没到 都一个礼拜了"

_tokens = iter(range(1, 10**6))


async def start(fake: FakeWeCom, store: Store, aiohttp_client: Any, hold: float = HOLD) -> TestClient:
    factory = make_conversation_factory(ROOT, burst_window=0, hot_reload=False)
    app = build_app(settings(fake.base_url, kf_welcome_hold=hold), factory, store=store, worker_options=FAST)
    return await aiohttp_client(app)


async def notify(client: TestClient) -> None:
    query, body = callback(event("kf_msg_or_event", Token=f"TW{next(_tokens)}", OpenKfId="wk1"))
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200


def enter(fake: FakeWeCom, customer: str, code: str) -> float:
    fake.add_kf_event("wk1", {"event_type": "enter_session", "external_userid": customer, "welcome_code": code,
                              "scene": "qr", "scene_param": ""})
    return time.time()


async def opens_and_is_held(fake: FakeWeCom, client: TestClient, customer: str, code: str) -> float:
    """She opens the chat and the bot takes it: her welcome is held (her text, if any, comes in another pull)."""
    opened = enter(fake, customer, code)
    await notify(client)
    await held(client, customer)
    return opened


def welcomes(fake: FakeWeCom) -> list[dict[str, Any]]:
    return fake.calls_to("kf/send_msg_on_event")


def answers(fake: FakeWeCom, customer: str) -> list[str]:
    return [c["text"]["content"] for c in fake.calls_to("kf/send_msg") if c["touser"] == customer and "text" in c]


def order(fake: FakeWeCom) -> list[str]:
    return [call.endpoint for call in fake.calls if call.endpoint in ("kf/send_msg_on_event", "kf/send_msg")]


async def held(client: TestClient, customer: str) -> None:
    """Wait until the enter_session was taken and its welcome is held (so that her text comes in another pull)."""
    store = client.app[APP_SERVICES].store
    deadline = time.monotonic() + 10
    while await store.get(pending_key(f"kf:wk1:{customer}")) is None:
        assert time.monotonic() < deadline, "the welcome was never held"
        await asyncio.sleep(0.02)


async def test_an_after_sales_first_message_within_the_hold_gets_its_answer_and_no_welcome(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    await opens_and_is_held(fake, client, "wmLate", "WLATE")
    fake.add_kf_message("wk1", "wmLate", COMPLAINT)
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmLate")))
    await eventually(lambda: bool(fake.calls_to("kf/service_state/trans")))
    await asyncio.sleep(HOLD + 0.5)  # the wake-up comes and finds the welcome decided
    assert welcomes(fake) == []
    assert len(answers(fake, "wmLate")) == 1 and LATE in answers(fake, "wmLate")[0]
    assert await redis_store.get(pending_key("kf:wk1:wmLate")) is None


async def test_a_normal_first_message_within_the_hold_is_welcomed_once_then_answered(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    opened = await opens_and_is_held(fake, client, "wmAsk", "WASK")
    fake.add_kf_message("wk1", "wmAsk", "包邮吗")
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmAsk")))
    assert time.time() - opened < HOLD  # decided by her message, not by the end of the hold
    await asyncio.sleep(HOLD + 0.5)
    assert [w["code"] for w in welcomes(fake)] == ["WASK"]
    assert "小丸子" in welcomes(fake)[0]["text"]["content"]
    assert "59" in answers(fake, "wmAsk")[0]
    assert order(fake) == ["kf/send_msg_on_event", "kf/send_msg"]  # the welcome, then her answer


async def test_a_customer_who_writes_nothing_is_welcomed_once_after_the_hold(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    opened = enter(fake, "wmQuiet", "WQUIET")
    await notify(client)
    await eventually(lambda: bool(welcomes(fake)))
    waited = time.time() - opened
    assert HOLD - 1.0 <= waited < 20  # send_time is whole seconds: the hold counts from up to 1 s earlier
    await asyncio.sleep(1.0)
    assert [w["code"] for w in welcomes(fake)] == ["WQUIET"]
    assert "小丸子" in welcomes(fake)[0]["text"]["content"]
    assert fake.calls_to("kf/send_msg") == []


@pytest.mark.parametrize(("text", "welcomed", "said"), [(COMPLAINT, False, LATE), ("包邮吗", True, "59")])
async def test_her_text_in_the_same_batch_decides_at_once(fake: FakeWeCom, redis_store: Store, aiohttp_client: Any,
                                                          text: str, welcomed: bool, said: str) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    opened = enter(fake, "wmBatch", "WBATCH")
    fake.add_kf_message("wk1", "wmBatch", text)
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmBatch")))
    assert time.time() - opened < HOLD
    assert await redis_store.zdue(HOLDS_KEY, time.time() + 60, 10) == []  # nothing was held: no wake-up set
    await asyncio.sleep(0.5)
    assert len(welcomes(fake)) == int(welcomed)
    assert said in answers(fake, "wmBatch")[0]
    if welcomed:
        assert order(fake) == ["kf/send_msg_on_event", "kf/send_msg"]


async def test_opened_twice_then_wrote_in_one_batch_is_welcomed_once(fake: FakeWeCom, redis_store: Store,
                                                                     aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client)
    enter(fake, "wmTwiceOpen", "WOLD")
    enter(fake, "wmTwiceOpen", "WNEW")
    fake.add_kf_message("wk1", "wmTwiceOpen", "包邮吗")
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmTwiceOpen")))
    await asyncio.sleep(HOLD + 0.5)  # the older enter_session's wake-up finds its held welcome superseded
    assert [w["code"] for w in welcomes(fake)] == ["WNEW"]
    assert len(answers(fake, "wmTwiceOpen")) == 1


async def test_hold_zero_welcomes_at_once_as_before(fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    client = await start(fake, redis_store, aiohttp_client, hold=0)
    enter(fake, "wmNow", "WNOW")
    await notify(client)
    await eventually(lambda: bool(welcomes(fake)), within=2)  # not held
    assert await redis_store.get(pending_key("kf:wk1:wmNow")) is None
    fake.add_kf_message("wk1", "wmNow", COMPLAINT)  # too late to matter: the welcome went
    await notify(client)
    await eventually(lambda: bool(answers(fake, "wmNow")))
    await asyncio.sleep(0.3)
    assert [w["code"] for w in welcomes(fake)] == ["WNOW"] and LATE in answers(fake, "wmNow")[0]


async def test_a_restart_during_the_hold_loses_nothing_and_welcomes_once(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    """The held welcome and its wake-up are in Redis: another process (or this one restarted) decides it."""
    first = await start(fake, redis_store, aiohttp_client)
    await opens_and_is_held(fake, first, "wmRestart", "WRESTART")
    await first.close()
    assert welcomes(fake) == []
    second = await start(fake, redis_store, aiohttp_client)
    fake.add_kf_message("wk1", "wmRestart", "收到的瓶子碎了")
    await notify(second)
    await eventually(lambda: bool(answers(fake, "wmRestart")))
    await asyncio.sleep(HOLD + 0.5)
    assert welcomes(fake) == []
    assert len(answers(fake, "wmRestart")) == 1 and "售后同事" in answers(fake, "wmRestart")[0]


async def test_a_welcome_decided_again_after_a_crash_is_not_sent_twice(
        fake: FakeWeCom, redis_store: Store, aiohttp_client: Any) -> None:
    """A crash after the welcome went but before the pending welcome was deleted: the redelivered wake-up decides
    it again, with the same turn, and the outbox keeps the code from being used a second time."""
    client = await start(fake, redis_store, aiohttp_client)
    await opens_and_is_held(fake, client, "wmTwice", "WTWICE")
    kept = await redis_store.get(pending_key("kf:wk1:wmTwice"))
    assert kept is not None
    await eventually(lambda: bool(welcomes(fake)))
    await redis_store.set(pending_key("kf:wk1:wmTwice"), kept, ttl_ms=60_000)  # as if never deleted
    event_key = json.loads(kept)["event"]
    await client.app[APP_SERVICES].queue.put("again", "kf_welcome_due", "kf:wk1:wmTwice", {"event": event_key})
    deadline = time.monotonic() + 5
    while await redis_store.get(pending_key("kf:wk1:wmTwice")) is not None:
        assert time.monotonic() < deadline, "the wake-up was never handled"
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)
    assert len(welcomes(fake)) == 1


# -- the pieces ----------------------------------------------------------------------------------
def test_the_first_text_after_an_enter_session_is_found_in_its_batch() -> None:
    def enter_of(who: str) -> dict[str, Any]:
        return {"origin": 4, "msgtype": "event", "event": {"event_type": "enter_session", "external_userid": who}}

    def text(who: str, content: str) -> dict[str, Any]:
        return {"origin": 3, "msgtype": "text", "external_userid": who, "text": {"content": content}}

    batch = [text("a", "before"), enter_of("a"), enter_of("b"), {"origin": 5, "msgtype": "text"},
             {"origin": 3, "msgtype": "image", "external_userid": "b", "image": {}}, text("a", "first"),
             text("a", "second"), enter_of("c")]
    assert first_texts(batch) == {1: "first", 2: ""}


def test_a_slot_holding_a_list_holds_each_of_its_values() -> None:
    assert _slot_holds(["物流", "售后"], "售后") and not _slot_holds(["物流"], "售后")
    assert _slot_holds([], "set") and _slot_holds(None, "unset") and _slot_holds("售后", "售后")


def test_the_hold_is_read_and_checked_at_start_up() -> None:
    base = {"WECOM_CORP_ID": "ww1", "WECOM_TOKEN": "tok", "WECOM_AES_KEY": AES_KEY, "WECOM_SECRET": "s"}
    assert load_settings(base).kf_welcome_hold == 5.0
    assert [load_settings({**base, "SIYU_KF_WELCOME_HOLD": v}).kf_welcome_hold for v in ("0", "2.5", "8s")] == \
        [0, 2.5, 8]
    for wrong in ("soon", "-1", "11", "1m", "30"):
        with pytest.raises(ConfigError) as error:
            load_settings({**base, "SIYU_KF_WELCOME_HOLD": wrong})
        assert len(error.value.problems) == 1 and error.value.problems[0].startswith("SIYU_KF_WELCOME_HOLD 写得不对")


def test_siyu_serve_refuses_a_bad_hold_with_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
    env.update(WECOM_CORP_ID="ww1", WECOM_TOKEN="tok", WECOM_AES_KEY=AES_KEY, WECOM_SECRET="s",
               SIYU_KF_WELCOME_HOLD="25")
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=env,
                            timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SIYU_KF_WELCOME_HOLD 写得不对" in lines[0] and "'25'" in lines[0], lines
