"""The sales method over the real kf path: callbacks → gateway → engine → fake WeCom, on a real store.

Several customers at once, each with their own need: an urgent one gets a product in the same turn, a cold
one gets one light mention and then silence, one who said 别推了 gets an answer when she asks and nothing
pushed after. Contact events carry the profile's tags to WeCom and staff changes back; a handover lasts
until the human ends the session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.app import APP_SERVICES, build_app
from bot.policy.journal import Journal
from bot.profile.store import Profiles
from bot.store.base import Store
from bot.wiring import make_conversation_factory
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import eventually, settings
from tests.wecom import callback, event

ROOT = Path(__file__).resolve().parent.parent
FAST = {"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01}


@pytest.fixture
async def client(fake: FakeWeCom, store: Store, aiohttp_client: Any) -> TestClient:
    factory = make_conversation_factory(ROOT, burst_window=0, hot_reload=False)
    app = build_app(settings(fake.base_url), factory, store=store, worker_options=FAST, workers=2)
    return await aiohttp_client(app)


async def post(client: TestClient, plaintext: str) -> None:
    query, body = callback(plaintext)
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200


async def notify(client: TestClient, token: str) -> None:
    await post(client, event("kf_msg_or_event", Token=token, OpenKfId="wk1"))


def sent_to(fake: FakeWeCom, customer: str) -> list[dict[str, Any]]:
    return [c for c in fake.calls_to("kf/send_msg") if c["touser"] == customer]


def texts_to(fake: FakeWeCom, customer: str) -> list[str]:
    return [c["text"]["content"] for c in sent_to(fake, customer) if c["msgtype"] == "text"]


async def say(client: TestClient, fake: FakeWeCom, customer: str, *lines: str, replies: int) -> list[str]:
    """The customer writes; wait until `replies` more text messages went to them; return those."""
    before = len(texts_to(fake, customer))
    for line in lines:
        fake.add_kf_message("wk1", customer, line)
    await notify(client, f"T{len(fake.calls)}")
    await eventually(lambda: len(texts_to(fake, customer)) >= before + replies, within=10)
    return texts_to(fake, customer)[before:]


async def test_urgent_cold_and_opted_out_customers_at_once(client: TestClient, fake: FakeWeCom,
                                                            store: Store) -> None:
    # all three write at the same moment; one pull, two workers
    fake.add_kf_message("wk1", "wmUrgent", "脸上爆痘了 急 有什么推荐")
    fake.add_kf_event("wk1", {"event_type": "enter_session", "external_userid": "wmCold", "welcome_code": "KWC",
                              "scene_param": ""})
    for line in ("好", "小美", "还行", "好的", "油皮", "痘痘", "很困扰"):
        fake.add_kf_message("wk1", "wmCold", line)
    for line in ("别推了", "帮我挑一个", "痘痘"):
        fake.add_kf_message("wk1", "wmOptOut", line)
    await notify(client, "T1")
    await eventually(lambda: len(sent_to(fake, "wmUrgent")) == 2 and len(texts_to(fake, "wmOptOut")) == 3
                     and any("跟我说一声就好" in t for t in texts_to(fake, "wmCold")), within=15)

    urgent = sent_to(fake, "wmUrgent")  # a product in the same turn: the offer and its card
    assert "水杨酸控痘精华" in urgent[0]["text"]["content"]
    assert urgent[1]["msgtype"] == "link" and urgent[1]["link"]["url"].endswith("/clear-serum")
    why = await Journal(store).read("wmUrgent")
    assert why[0]["action"] == "recommend" and {e[0] for e in why[0]["evidence"]} >= {"ask", "urgent", "pain"}

    cold = texts_to(fake, "wmCold")
    assert cold[-1] == "之后要是想找适合自己的，跟我说一声就好，我帮你挑～"
    assert not any("链接" in t for t in cold)
    assert await say(client, fake, "wmCold", "嗯", replies=0) == []

    opted = texts_to(fake, "wmOptOut")
    assert "不给你推东西" in opted[0] and "先问一个" in opted[1] and "水杨酸控痘精华" in opted[2]
    profile = await Profiles(store).load("wmOptOut")
    assert profile.opted_out and profile.offers[-1][2] == "asked"


async def test_opted_out_customer_is_never_pushed_later(client: TestClient, fake: FakeWeCom, store: Store) -> None:
    await say(client, fake, "wmNo", "别推了", replies=1)
    replies = await say(client, fake, "wmNo", "最近老爆痘怎么办 急", replies=1)
    assert len(replies) == 1 and "痘" in replies[0] and "精华" not in replies[0]  # care, no product named
    records = await Journal(store).read("wmNo")
    assert records[0]["action"] == "hold" and any("别推了" in r for r in records[0]["reasons"])


async def test_tags_go_to_wecom_when_the_customer_adds_a_staff_member(client: TestClient, fake: FakeWeCom,
                                                                      store: Store) -> None:
    services = client.app[APP_SERVICES]
    assert services.tags is not None
    await services.tags.reconcile()  # siyu sync-tags ran once
    await say(client, fake, "wmT", "脸上爆痘了 急 有什么推荐", replies=1)
    assert (await Profiles(store).load("wmT")).tags == ["痘痘"]
    assert fake.marked == []  # kf only: kept in the profile
    fake.add_relation("wmT", "emp1")
    await post(client, event("change_external_contact", ChangeType="add_external_contact", UserID="emp1",
                             ExternalUserID="wmT", State="", WelcomeCode=""))
    await eventually(lambda: fake.tags_of("wmT", "emp1") == {"痘痘"}, within=10)

    fake.staff_marks("wmT", "emp1", add=("敏感肌",), remove=("痘痘",))
    await post(client, event("change_external_contact", ChangeType="edit_external_contact", UserID="emp1",
                             ExternalUserID="wmT"))

    async def staff_change_arrived() -> bool:
        profile = await Profiles(store).load("wmT")
        return profile.tags == ["敏感肌"] and profile.human == {"敏感肌": "+", "痘痘": "-"}

    await eventually_async(staff_change_arrived)
    fake.delete_tag("敏感肌")
    await post(client, event("change_external_tag", Id=fake.tag_id("油皮"), TagType="tag", ChangeType="delete"))
    await eventually_async(lambda: _ids_lack(services.tags, "敏感肌"))
    await post(client, event("change_external_contact", ChangeType="del_follow_user", UserID="emp1",
                             ExternalUserID="wmT"))

    async def churned() -> bool:
        profile = await Profiles(store).load("wmT")
        return bool(profile.churned_at) and profile.staff == {}

    await eventually_async(churned)


async def handed_over(store: Store, customer: str) -> None:
    """The gateway finished the transfer (it notes the new state after the reply went out)."""

    async def noted() -> bool:
        return await store.get(f"siyu:kf:state:wk1:{customer}") == "2"

    await eventually_async(noted)


async def _ids_lack(tags: Any, name: str) -> bool:
    return name not in await tags.library.ids()


async def eventually_async(check: Any, within: float = 10.0) -> None:
    import asyncio

    deadline = asyncio.get_running_loop().time() + within
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def test_the_bot_speaks_again_only_when_the_human_ends_the_session(client: TestClient, fake: FakeWeCom,
                                                                         store: Store) -> None:
    await say(client, fake, "wmH", "转人工", replies=1)
    await handed_over(store, "wmH")
    fake.service_states[("wk1", "wmH")] = 3  # a human took it
    await client.app[APP_SERVICES].store.delete("siyu:kf:state:wk1:wmH")
    fake.add_kf_message("wk1", "wmH", "在吗")
    await notify(client, "TH1")
    await eventually(lambda: len(fake.calls_to("kf/sync_msg")) >= 2)

    async def left_to_the_human() -> bool:  # 在吗 looked the state up (3) before the human ends the session below
        return await store.get("siyu:kf:state:wk1:wmH") == "3"

    await eventually_async(left_to_the_human)
    fake.add_kf_event("wk1", {"event_type": "session_status_change", "external_userid": "wmH", "change_type": 3})
    fake.service_states[("wk1", "wmH")] = 4
    await notify(client, "TH2")

    async def handed_back() -> bool:
        raw = await store.get("siyu:session:kf:wk1:wmH")
        return raw is not None and '"handover_at":0.0' in raw

    await eventually_async(handed_back)
    assert texts_to(fake, "wmH")[1:] == []  # nothing was said while the human had it
    replies = await say(client, fake, "wmH", "包邮吗", replies=1)
    assert "59" in replies[0]


async def test_a_lost_session_end_is_noticed_from_the_service_state(client: TestClient, fake: FakeWeCom) -> None:
    await say(client, fake, "wmL", "转人工", replies=1)
    await handed_over(client.app[APP_SERVICES].store, "wmL")
    fake.service_states[("wk1", "wmL")] = 1  # the session ended and went back to the bot; the event was lost
    await client.app[APP_SERVICES].store.delete("siyu:kf:state:wk1:wmL")
    replies = await say(client, fake, "wmL", "包邮吗", replies=1)
    assert "59" in replies[0]
