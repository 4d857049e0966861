"""The strike ladder across groups and 30 days (fake clock), profiles, exemptions, tags and the blacklist."""

from __future__ import annotations

import dataclasses

import pytest

from bot.enforcement import blacklist
from bot.groups.content import GroupContent
from bot.protocol.api import WeComError
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import T0, WordJudge, member_event, moderation_stack, said, sample_groups

DAY = 86400.0


def seed(fake: FakeWeCom) -> None:
    fake.add_group("wrA", "护肤日常1群", "anna", ["wmSpam", "wmNice", "wmPartner"])
    fake.add_group("wrB", "快闪第3期", "bob", ["wmSpam", "wmNice"])
    fake.add_group("wrC", "SVIP超级用户群", "carol", ["wmSpam"])
    fake.relations["wmSpam"] = {"bob": set(), "carol": set()}  # anna never added wmSpam


def with_type(content: GroupContent, type_id: str, **changes: object) -> GroupContent:
    types = dict(content.types.types)
    types[type_id] = types[type_id].model_copy(update=changes)
    return dataclasses.replace(content, types=content.types.model_copy(update={"types": types}))


def with_profile(content: GroupContent, name: str, **changes: object) -> GroupContent:
    profiles = dict(content.ladder.profiles)
    profiles[name] = profiles[name].model_copy(update=changes)
    return dataclasses.replace(content, ladder=content.ladder.model_copy(update={"profiles": profiles}))


async def test_the_ladder_climbs_across_groups_within_30_days(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with moderation_stack(store, fake) as stack:
        clock, mod = stack.groups.clock, stack.moderation
        await stack.groups.reconciler.sync_all()
        # strike 1 in anna's group: anna is told privately, after the batching wait
        assert await mod.handle(said("m1", "wrA", "wmSpam", "加我微信领福利", clock())) == "acted"
        assert fake.messages_to("anna") == []
        clock.advance(61)
        await stack.notifier.flush()
        [first] = fake.messages_to("anna")
        assert "护肤日常1群" in first and "30 天内第 1 次" in first and "加我微信领福利" in first
        assert "先留意一下" in first
        # strike 2, ten days later, in bob's group: bob is asked to remove them, the customer is tagged
        clock.advance(10 * DAY)
        assert await mod.handle(said("m2", "wrB", "wmSpam", "刷单日结", clock())) == "acted"
        clock.advance(61)
        await stack.notifier.flush()
        [second] = fake.messages_to("bob")
        assert "【请处理】" in second and "第 2 次" in second and "移出群聊" in second
        tag_id = fake.corp_tags[0]["tag"][0]["id"]
        assert fake.corp_tags[0]["group_name"] == "社群风控" and fake.corp_tags[0]["tag"][0]["name"] == "违规"
        assert fake.relations["wmSpam"]["bob"] == {tag_id}
        assert await blacklist.restraint(store, "wmSpam") is None
        # strike 3, in carol's group: an immediate alert, the blacklist
        clock.advance(5 * DAY)
        assert await mod.handle(said("m3", "wrC", "wmSpam", "骂人了", clock())) == "acted"
        [alert] = fake.messages_to("carol")  # no waiting for an alert
        assert alert.startswith("【紧急】") and "黑名单" in alert
        assert await blacklist.restraint(store, "wmSpam") == "blacklisted: abuse in SVIP超级用户群"
        assert [s for s, _ in await stack.strikes.history("wmSpam")] == ["msgaudit:m1", "msgaudit:m2", "msgaudit:m3"]
        decisions = await stack.audit.read(days=30, limit=10, kinds={"decision"})
        assert [d["strike"] for d in decisions] == [3, 2, 1]
        assert decisions[1]["results"]["tag"] == "tagged:bob"
        assert decisions[0]["results"] == {"alert": "carol", "tag": "already", "blacklist": "added"}


async def test_strikes_older_than_the_window_no_longer_count(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with moderation_stack(store, fake) as stack:
        clock, mod = stack.groups.clock, stack.moderation
        await stack.groups.reconciler.sync_all()
        await mod.handle(said("m1", "wrA", "wmSpam", "加我微信", clock()))
        clock.advance(29 * DAY)
        await mod.handle(said("m2", "wrA", "wmSpam", "加我微信", clock()))
        clock.advance(2 * DAY)  # m1 is now 31 days old
        await mod.handle(said("m3", "wrA", "wmSpam", "加我微信", clock()))
        decisions = await stack.audit.read(days=40, limit=10, kinds={"decision"})
        assert [d["strike"] for d in decisions] == [2, 2, 1]
        clock.advance(40 * DAY)
        await mod.handle(said("m4", "wrA", "wmSpam", "加我微信", clock()))
        assert (await stack.audit.read(days=1, limit=1, kinds={"decision"}))[0]["strike"] == 1


async def test_a_severe_category_goes_to_the_top_at_once(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with moderation_stack(store, fake) as stack:
        await stack.groups.reconciler.sync_all()
        now = stack.groups.clock()
        assert await stack.moderation.handle(said("m1", "wrA", "wmNice", "先转账到这个卡号", now)) == "acted"
        [alert] = fake.messages_to("anna")
        assert alert.startswith("【紧急】") and "发了像诈骗的信息" in alert and "fraud" not in alert
        assert await blacklist.restraint(store, "wmNice") is not None
        decision = (await stack.audit.read(days=1, limit=1, kinds={"decision"}))[0]
        assert decision["severe"] and decision["strike"] == 1
        assert decision["results"]["tag"] == "no_relation"  # nobody in the corp has wmNice as a contact


async def test_staff_owners_and_allow_listed_customers_are_not_judged(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    judge = WordJudge()
    content = with_type(sample_groups(), "daily", allow=["wmPartner"], staff=["dave"])
    async with moderation_stack(store, fake, judge, content=content) as stack:
        await stack.groups.reconciler.sync_all()
        now = stack.groups.clock()
        assert await stack.moderation.handle(said("s1", "wrA", "anna", "加我微信 群主发的", now)) == "staff"
        assert await stack.moderation.handle(said("s2", "wrA", "dave", "加我微信", now)) == "staff"
        assert await stack.moderation.handle(said("s3", "wrA", "wmPartner", "加我微信", now)) == "exempt"
        assert await stack.moderation.handle(said("s4", "wrA", "wmNice", "今天的面霜好用", now)) == "clean"
        assert [seen for seen, _ in judge.seen] == ["s3", "s4"]  # staff never reach the detector
        assert judge.seen[0][1] == "allowlisted"
        assert fake.app_messages == [] and await stack.strikes.history("wmPartner") == []


async def test_profiles_decide_what_a_group_type_acts_on(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    content = with_profile(sample_groups(), "standard", min_severity="medium")
    async with moderation_stack(store, fake, content=content) as stack:
        await stack.groups.reconciler.sync_all()
        now, mod = stack.groups.clock(), stack.moderation
        assert await mod.handle(said("p1", "wrC", "wmSpam", "看这个 http://x.cn", now)) == "ignored_by_profile"
        assert await mod.handle(said("p2", "wrA", "wmSpam", "加我微信", now)) == "below_min_severity"
        assert await mod.handle(said("p3", "wrA", "wmSpam", "只记一下", now)) == "recorded"
        assert await mod.handle(said("p4", "wrA", "wmSpam", "骂人了", now)) == "acted"
        assert [s for s, _ in await stack.strikes.history("wmSpam")] == ["msgaudit:p4"]
        totals = await stack.audit.totals(1)
        assert totals["held:ignored_by_profile"] == 1 and totals["violations"] == 4 and totals["action:notify_owner"] == 1
    off = with_type(sample_groups(), "daily", moderation="off")
    async with moderation_stack(store, fake, content=off) as stack:
        assert await stack.moderation.handle(said("p5", "wrA", "wmSpam", "加我微信", T0)) == "profile_off"


async def test_a_redelivered_message_is_decided_once(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with moderation_stack(store, fake) as stack:
        await stack.groups.reconciler.sync_all()
        message = said("m1", "wrA", "wmSpam", "加我微信", stack.groups.clock())
        assert await stack.moderation.handle(message) == "acted"
        assert await stack.moderation.handle(message) == "duplicate"
        stack.groups.clock.advance(61)
        await stack.notifier.flush()
        assert len(fake.messages_to("anna")) == 1 and len(await stack.strikes.history("wmSpam")) == 1
        assert len(await stack.audit.read(days=1, limit=10, kinds={"decision"})) == 1


async def test_keyword_hits_use_the_rules_meaning_from_content(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    base = sample_groups()
    from bot.groups.spec import KeywordRule

    rules = {"rule-fraud": KeywordRule(name="骗转账", category="fraud", severity="high", action="alert")}
    content = dataclasses.replace(base, ladder=base.ladder.model_copy(update={"keyword_rules": rules}))
    async with moderation_stack(store, fake, content=content) as stack:
        await stack.groups.reconciler.sync_all()
        now = stack.groups.clock()
        hit = said("h1", "wrA", "wmSpam", "", now, source="keyword", keyword_rule="rule-fraud")
        assert await stack.moderation.handle(hit) == "acted"
        [alert] = fake.messages_to("anna")
        assert "发了像诈骗的信息" in alert and "看不到原话" in alert and "keyword" not in alert
        unknown = said("h2", "wrB", "wmNice", "", now, source="keyword", keyword_rule="rule-x")
        assert await stack.moderation.handle(unknown) == "acted"
        decision = (await stack.audit.read(days=1, limit=1, kinds={"decision"}))[0]
        assert decision["rule"] == "keyword:rule-x" and decision["category"] == "keyword"
        staff_hit = said("h3", "wrB", "bob", "", now, source="keyword", keyword_rule="rule-x", sender_is_staff=True)
        assert await stack.moderation.handle(staff_hit) == "staff"


async def test_a_message_from_an_unknown_group_fetches_it_or_is_skipped(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrNew", "日常新群", "anna", ["wmSpam"])
    async with moderation_stack(store, fake) as stack:
        now = stack.groups.clock()
        assert await stack.moderation.handle(said("m1", "wrNew", "wmSpam", "加我微信", now)) == "acted"
        assert (await stack.groups.registry.get("wrNew")) is not None
        gets = len(fake.calls_to("externalcontact/groupchat/get"))
        for n in range(3):  # an internal group: WeCom refuses it once, the answer is remembered for a day
            assert await stack.moderation.handle(said(f"i{n}", "wrInternal", "wmX", "加我微信", now)) == (
                "not_a_customer_group")
        assert len(fake.calls_to("externalcontact/groupchat/get")) == gets + 1


async def test_leaves_after_a_moderation_action_are_attributed_to_it(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with moderation_stack(store, fake) as stack:
        clock, groups = stack.groups.clock, stack.groups
        await groups.reconciler.sync_all()
        clock.advance(10)
        await stack.moderation.handle(said("m1", "wrA", "wmSpam", "加我微信", clock()))
        clock.advance(60)
        last, current = fake.change_members("wrA", remove=["wmSpam"])
        await groups.events.handle(member_event("wrA", "del_member", ["wmSpam"], last, current, created=clock(),
                                                scene=1))
        clock.advance(3600)  # an hour later: outside the 30-minute attribution window
        last, current = fake.change_members("wrA", remove=["wmNice"])
        await groups.events.handle(member_event("wrA", "del_member", ["wmNice"], last, current, created=clock()))
        stats = await groups.stats.for_group("wrA")
        assert stats["leaves"] == 2 and stats["removed"] == 1
        assert stats["left_after_moderation"] == 1 and stats["left_quietly"] == 1
        by_type = await groups.stats.for_types(1, clock())
        assert by_type["daily"]["left_after_moderation"] == 1


async def test_a_staff_broadcast_and_a_flood_are_incidents_too(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with moderation_stack(store, fake) as stack:
        clock, groups = stack.groups.clock, stack.groups
        await groups.reconciler.sync_all()
        await stack.moderation.handle(said("b1", "wrB", "bob", "", clock(), msgtype="link"))
        clock.advance(60)
        last, current = fake.change_members("wrB", remove=["wmNice"])
        await groups.events.handle(member_event("wrB", "del_member", ["wmNice"], last, current, created=clock()))
        assert (await groups.stats.for_group("wrB"))["left_after_broadcast"] == 1
        await stack.moderation.handle(said("f1", "wrA", "wmSpam", "刷屏刷屏", clock()))
        assert await groups.stats.cause_of_leave("wrA", clock() + 5) == "moderation"  # the latest incident


async def test_a_busy_wecom_is_waited_out_by_the_worker_not_recorded_as_a_failure(store: Store,
                                                                                 fake: FakeWeCom) -> None:
    """Transient WeCom failures leave the pipeline (the worker waits and tries the message again); every
    step is idempotent, so the second try acts once."""
    seed(fake)
    fake.add_group("wrX", "护肤日常9群", "anna", ["wmSpam"])
    async with moderation_stack(store, fake) as stack:
        clock, mod = stack.groups.clock, stack.moderation
        await stack.groups.reconciler.sync_all()
        fake.outage("externalcontact/mark_tag", -1)
        with pytest.raises(WeComError):
            await mod.handle(said("m1", "wrA", "wmSpam", "先转账到这个卡号", clock()))
        fake.recover()
        assert await mod.handle(said("m1", "wrA", "wmSpam", "先转账到这个卡号", clock())) == "acted"
        assert len(fake.messages_to("anna")) == 1 and fake.relations["wmSpam"]["bob"]
        [decision] = await stack.audit.read(days=1, limit=5, kinds={"decision"})
        assert decision["strike"] == 1 and decision["results"]["tag"] == "tagged:bob"
        # a group the registry has not met, while WeCom is busy: not taken for a non-customer group
        await store.delete("siyu:grp:wrX", "siyu:grp:wrX:m")
        fake.outage("externalcontact/groupchat/get", -1)
        with pytest.raises(WeComError):
            await mod.handle(said("m2", "wrX", "wmNice", "今天天气真好", clock()))
        assert await store.get("siyu:grp:wrX:notcustomer") is None
        fake.recover()
        assert await mod.handle(said("m2", "wrX", "wmNice", "今天天气真好", clock())) == "clean"
