"""The whole bot: WeCom callbacks → gateway → engine (bundled content) → fake WeCom API, on a real store."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import build_app
from bot.engine.library import Library
from bot.followups.record import Records
from bot.groups.library import GroupLibrary
from bot.store.base import Store
from bot.wiring import make_conversation_factory, watch_content
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import eventually, settings
from tests.wecom import callback, event

ROOT = Path(__file__).resolve().parent.parent
FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}
KF_URL = "https://work.weixin.qq.com/kfid/kfcBot?enc_scene=contact_welcome"


class Clock:
    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(fake: FakeWeCom, store: Store, clock: Clock, aiohttp_client: Any) -> TestClient:
    factory = make_conversation_factory(ROOT, burst_window=0.3, hot_reload=False)
    app = build_app(settings(fake.base_url), factory, store=store, clock=clock, worker_options=FAST)
    return await aiohttp_client(app)


async def notify(client: TestClient, token: str, open_kfid: str = "wk1") -> None:
    query, body = callback(event("kf_msg_or_event", Token=token, OpenKfId=open_kfid))
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200


def texts(fake: FakeWeCom) -> list[str]:
    return [call.get("text", {}).get("content", "") for call in fake.calls_to("kf/send_msg")]


async def test_a_kf_customer_talks_to_xiaowanzi(client: TestClient, fake: FakeWeCom) -> None:
    fake.add_kf_message("wk1", "wmCust", "包邮吗")
    await notify(client, "T1")
    await eventually(lambda: len(texts(fake)) == 1)
    assert "59" in texts(fake)[0]
    fake.add_kf_message("wk1", "wmCust", "转人工")
    await notify(client, "T2")
    await eventually(lambda: len(fake.calls_to("kf/service_state/trans")) == 1)
    assert "人工" in texts(fake)[-1]


async def test_a_burst_is_answered_once_through_the_gateway(client: TestClient, fake: FakeWeCom) -> None:
    for text in ("你好", "请问", "包邮吗"):
        fake.add_kf_message("wk1", "wmBurst", text)
    await notify(client, "T3")
    await eventually(lambda: len(texts(fake)) == 1)
    await asyncio.sleep(0.8)
    assert len(texts(fake)) == 1 and "59" in texts(fake)[0]


async def test_a_question_repeated_within_a_kf_burst_is_answered_once(client: TestClient, fake: FakeWeCom) -> None:
    for text in ("包邮吗", "几天能到", "包邮吗", "运费多少"):
        fake.add_kf_message("wk1", "wmTwice", text)
    await notify(client, "T4")
    await eventually(lambda: len(texts(fake)) >= 1)
    await asyncio.sleep(0.8)
    said = "\n".join(texts(fake))
    assert said.count("满59元包邮") == 1 and said.count("隔天到") == 1, said


async def test_new_contact_is_welcomed_and_invited_to_the_kf_chat(fake: FakeWeCom, store: Store, clock: Clock,
                                                                   aiohttp_client: Any) -> None:
    factory = make_conversation_factory(ROOT, burst_window=0.3, hot_reload=False)
    app = build_app(settings(fake.base_url, kf_url=KF_URL), factory, store=store, clock=clock, worker_options=FAST)
    client = await aiohttp_client(app)
    plaintext = event("change_external_contact", ChangeType="add_external_contact", UserID="emp1",
                      ExternalUserID="wmNew", State="live", WelcomeCode="WC1")
    query, body = callback(plaintext)
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200
    await eventually(lambda: len(fake.calls_to("externalcontact/send_welcome_msg")) == 1)
    sent = fake.calls_to("externalcontact/send_welcome_msg")[0]
    assert sent["welcome_code"] == "WC1"
    content = sent["text"]["content"]
    assert content.startswith("直播间来的宝子你好呀") and "券" in content and "卡片" in content
    assert "回“好”" not in content  # a reply in the staff member's chat would never reach the bot
    card = sent["attachments"][0]
    assert card["msgtype"] == "link" and card["link"]["url"] == KF_URL + "&scene_param=live"
    assert card["link"]["title"] and card["link"]["desc"]


async def test_the_kf_link_is_made_once_with_add_contact_way(fake: FakeWeCom, store: Store, clock: Clock,
                                                             aiohttp_client: Any) -> None:
    factory = make_conversation_factory(ROOT, burst_window=0.3, hot_reload=False)
    app = build_app(settings(fake.base_url, kf_open_kfid="wkBot"), factory, store=store, clock=clock,
                    worker_options=FAST)
    client = await aiohttp_client(app)
    for number, state in enumerate(("live", "")):
        plaintext = event("change_external_contact", ChangeType="add_external_contact", UserID="emp1",
                          ExternalUserID=f"wmLink{number}", State=state, WelcomeCode=f"WL{number}")
        query, body = callback(plaintext)
        assert (await client.post("/wecom/callback", params=query, data=body)).status == 200
    await eventually(lambda: len(fake.calls_to("externalcontact/send_welcome_msg")) == 2)
    made = fake.calls_to("kf/add_contact_way")
    assert made == [{"open_kfid": "wkBot", "scene": "contact_welcome"}]
    urls = sorted(s["attachments"][0]["link"]["url"] for s in fake.calls_to("externalcontact/send_welcome_msg"))
    assert urls[0].endswith("enc_scene=contact_welcome") and urls[1].endswith("&scene_param=live")


async def test_kf_enter_session_welcome_and_a_silence_check_in(client: TestClient, fake: FakeWeCom,
                                                               clock: Clock) -> None:
    fake.add_kf_event("wk1", {"event_type": "enter_session", "external_userid": "wmQuiet",
                              "welcome_code": "KW1", "scene_param": ""})
    await notify(client, "T4")
    await eventually(lambda: len(fake.calls_to("kf/send_msg_on_event")) == 1)
    welcome = fake.calls_to("kf/send_msg_on_event")[0]
    assert "小丸子" in welcome["text"]["content"]
    fake.add_kf_message("wk1", "wmQuiet", "好的")  # keeps the 48 h window open for the check-in
    await notify(client, "T5")
    await eventually(lambda: len(texts(fake)) == 1)
    assert "怎么称呼" in texts(fake)[0] or "叫你什么" in texts(fake)[0]


async def test_a_follow_up_goes_out_through_the_pump_in_kf(client: TestClient, fake: FakeWeCom, clock: Clock,
                                                            store: Store) -> None:
    fake.add_kf_event("wk1", {"event_type": "enter_session", "external_userid": "wmLate",
                              "welcome_code": "KW2", "scene_param": "pkgcard"})
    # she writes at once (one sync batch: the welcome is not held), which keeps the 48 h window open for the day-1
    # care; a reply seconds later would re-anchor the care on it when it falls due (docs/followups.md)
    fake.add_kf_message("wk1", "wmLate", "嗯嗯")
    await notify(client, "T6")
    await eventually(lambda: len(fake.calls_to("kf/send_msg_on_event")) == 1)
    await eventually(lambda: len(texts(fake)) == 1)
    record = Records(store)
    for _ in range(250):  # the runner plans it once the pump has passed the poke on
        state = (await record.load("wmLate")).plan("seeds")
        if state is not None and state.planned:
            break
        await asyncio.sleep(0.02)
    assert state is not None and state.step == "care" and state.planned > clock()
    clock.offset += state.planned - clock() + 1
    await eventually(lambda: len(texts(fake)) == 2, within=10)
    assert "冒个泡" in texts(fake)[1] or "打个招呼" in texts(fake)[1]
    for _ in range(250):
        state = (await record.load("wmLate")).plan("seeds")
        if state is not None and state.step == "value":
            break
        await asyncio.sleep(0.02)
    assert state is not None and state.step == "value" and state.planned > clock()


async def test_content_hot_reload_on_file_change(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, root / folder)
    library = Library.load(root)
    version = library.current.version
    watcher = asyncio.create_task(watch_content(library, GroupLibrary.load(library.current)))
    await asyncio.sleep(0.3)  # usually enough for the watcher to start; the loop below copes when it is not
    faq = root / "knowledge" / "faq.yaml"
    changed = faq.read_text(encoding="utf-8").replace("满59元包邮", "满49元包邮")
    for _ in range(6):  # the watcher starts when it starts: write again if it was not watching yet
        faq.write_text(changed, encoding="utf-8")
        try:
            await eventually(lambda: library.current.version != version, within=5)
            break
        except AssertionError:
            continue
    assert library.current.version != version
    good = library.current.version
    faq.write_text("entries: [\n", encoding="utf-8")  # broken: refused, the good version stays
    await asyncio.sleep(1.5)
    assert library.current.version == good
    watcher.cancel()


def test_siyu_serve_refuses_bad_configuration_with_one_line_each() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
    env.update(WECOM_CORP_ID="ww1", WECOM_TOKEN="bad token!", WECOM_AES_KEY="short", SIYU_BURST_WINDOW="x",
               SIYU_HANDOVER_TIMEOUT="soon", SIYU_KF_URL="http://work.weixin.qq.com/kfid/x",
               SIYU_KF_OPEN_KFID="wk bad!", SIYU_ORDER_TOKEN="short")
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=env,
                            timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert any("WECOM_SECRET 没有设置" in line for line in lines)
    assert any("WECOM_TOKEN 写得不对" in line for line in lines)
    assert any("WECOM_AES_KEY 写得不对" in line for line in lines)
    assert any("SIYU_BURST_WINDOW 写得不对" in line for line in lines)
    assert any("SIYU_HANDOVER_TIMEOUT 写得不对" in line for line in lines)
    assert any("SIYU_KF_URL 写得不对" in line for line in lines)
    assert any("SIYU_KF_OPEN_KFID 写得不对" in line for line in lines)
    assert any("SIYU_ORDER_TOKEN 写得不对" in line for line in lines)


def test_siyu_serve_says_its_configuration_mistakes_in_the_operators_language(tmp_path: Path) -> None:
    """Every other command speaks Chinese; serve's start-up refusals were English, and a SIYU_CONTENT that does not
    exist read as "has no flows/ folder"."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
    env.update(WECOM_CORP_ID="ww1", WECOM_TOKEN="bad token!", WECOM_AES_KEY="short", WECOM_AGENT_ID="x",
               WECOM_API_BASE="ftp://x", REDIS_URL="http://x", SIYU_CONTENT=str(tmp_path / "nowhere"),
               SIYU_PORT="0", SIYU_TIMEZONE="Mars/Base", SIYU_LOG_LEVEL="loud", SIYU_RETAIN_LOGS="30",
               SIYU_REDIS_POOL="1", SIYU_MSGAUDIT_SECRET="s", SIYU_GROUPS_SYNC_HOURS="-1")
    result = subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=env,
                            timeout=30)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    named = ["WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY", "WECOM_AGENT_ID", "WECOM_API_BASE", "REDIS_URL",
             "SIYU_CONTENT", "SIYU_PORT", "SIYU_TIMEZONE", "SIYU_LOG_LEVEL", "SIYU_RETAIN_LOGS", "SIYU_REDIS_POOL",
             "SIYU_MSGAUDIT_SDK", "SIYU_MSGAUDIT_KEYS", "SIYU_GROUPS_SYNC_HOURS"]
    assert sorted(line.split()[2] for line in lines) == sorted(named), lines  # one line per mistake
    for line in lines:
        assert line.startswith("siyu serve: ") and re.search(r"[\u4e00-\u9fff]", line), line
        assert not re.search(r"\b(is malformed|is not set|is wrong|expected|got)\b", line), line
    assert f"siyu serve: SIYU_CONTENT 不对：找不到 {tmp_path / 'nowhere'}，路径写对了吗？" in lines
