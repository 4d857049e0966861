"""The whole moderation path on the real detector and the sample rules (knowledge/moderation.yaml):
judged, laddered, flood and cross-group repeats counted in the store."""

from __future__ import annotations

from pathlib import Path

from bot.enforcement import blacklist
from bot.enforcement.detector_judge import NO_RULES, DetectorJudge
from bot.groups.library import GroupLibrary
from bot.store.base import Store
from tests.content_cache import bundled_library
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import Clock, member_event, moderation_stack, said

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = bundled_library()


def seed(fake: FakeWeCom) -> None:
    for n, name in enumerate(("护肤日常1群", "护肤日常2群", "护肤日常3群")):
        fake.add_group(f"wr{n}", name, "anna", ["wmSpam", "wmNice", "wmFlood"])


def judge(store: Store, clock: Clock) -> DetectorJudge:
    return DetectorJudge(lambda: LIBRARY.current.moderation, store, clock)


def test_the_sample_group_content_agrees_with_the_detection_categories() -> None:
    assert LIBRARY.current.moderation is not None
    assert GroupLibrary.load(LIBRARY.current).current is not None  # profiles name known categories


async def test_real_messages_through_the_detector_and_the_ladder(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    clock = Clock()
    async with moderation_stack(store, fake, judge(store, clock), clock=clock) as stack:
        mod = stack.moderation
        await stack.groups.reconciler.sync_all()
        assert await mod.handle(said("m1", "wr0", "wmNice", "这款面霜适合油皮吗？", clock())) == "clean"
        assert await mod.handle(said("m2", "wr0", "wmSpam", "加V：abc12345 了解更多", clock())) == "acted"
        decision = (await stack.audit.read(days=1, limit=1, kinds={"decision"}))[0]
        assert (decision["rule"], decision["category"], decision["strike"]) == ("contact_id", "contact", 1)
        assert "微信abc12345 “V：abc12345”" in decision["explanation"]
        assert await mod.handle(said("m3", "wr1", "wmNice", "", clock(), msgtype="card")) == "acted"
        assert await mod.handle(said("m4", "wr1", "anna", "", clock(), msgtype="card")) == "staff"
        assert await mod.handle(said("m5", "wr2", "wmSpam", "先转账到这个账户，稳赚不赔", clock())) == "acted"
        # the alert goes at once, alone, with the waiting notice about the same customer in it (tests/test_alert_order)
        [alert] = fake.messages_to("anna")
        assert alert.startswith("【紧急】") and "发了像诈骗的信息" in alert  # the category's reason from the rules
        assert "在这之前他还有 1 条" in alert and "加V：abc12345" in alert
        clock.advance(61)
        await stack.notifier.flush()  # wmNice's card keeps its wait for company, then goes
        [card] = fake.messages_to("anna")[1:]
        assert "wmNice" in card and "在群里发了个人名片拉人" in card
        assert await blacklist.restraint(store, "wmSpam") is not None


async def test_flood_and_the_same_ad_across_groups_count_in_the_store(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    clock = Clock()
    async with moderation_stack(store, fake, judge(store, clock), clock=clock) as stack:
        mod, groups = stack.moderation, stack.groups
        await groups.reconciler.sync_all()
        outcomes = []
        for n in range(8):  # 8 messages in 15 s: a flood
            clock.advance(1)
            outcomes.append(await mod.handle(said(f"f{n}", "wr0", "wmFlood", f"哈哈{n}", clock())))
        assert outcomes[:7] == ["clean"] * 7 and outcomes[7] == "acted"
        flood = (await stack.audit.read(days=1, limit=1, kinds={"decision"}))[0]
        assert flood["category"] == "flood"
        clock.advance(60)
        last, current = fake.change_members("wr0", remove=["wmNice"])
        await groups.events.handle(member_event("wr0", "del_member", ["wmNice"], last, current, created=clock()))
        assert (await groups.stats.for_group("wr0"))["left_after_moderation"] == 1  # the flood's action
        text = "今天有团购活动大家快来看看呀"
        repeats = []
        for n in range(3):  # one text in three groups within minutes
            clock.advance(30)
            repeats.append(await mod.handle(said(f"r{n}", f"wr{n}", "wmNice", text, clock())))
        assert repeats[-1] == "acted"
        last_decision = (await stack.audit.read(days=1, limit=1, kinds={"decision"}))[0]
        assert last_decision["rule"] == "repeat"


async def test_without_detection_rules_nothing_is_judged(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    clock = Clock()
    empty = DetectorJudge(lambda: None, store, clock)
    async with moderation_stack(store, fake, empty, clock=clock) as stack:
        await stack.groups.reconciler.sync_all()
        assert await stack.moderation.handle(said("m1", "wr0", "wmSpam", "加V：abc12345", clock())) == "exempt"
        assert (await empty(said("m2", "wr0", "wmSpam", "x", clock()), "customer")).exempt == NO_RULES
