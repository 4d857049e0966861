"""The group registry: full sync through the fake WeCom, member events in order, late, twice and lost."""

from __future__ import annotations

import pytest

from bot.groups.registry import DISMISSED, DISMISSED_INDEX, EXTERNAL, group_key
from bot.protocol.api import WeComError
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import T0, group_stack, member_event


def seed(fake: FakeWeCom) -> None:
    fake.add_group("wrDaily", "护肤日常1群", "anna", ["wmA", "wmB", "wmC"])
    fake.add_group("wrFlash", "快闪第3期", "bob", ["wmA", "wmD"])
    fake.add_group("wrAcne", "痘痘肌交流2群", "anna", ["wmE"])


def gets(fake: FakeWeCom) -> int:
    return len(fake.calls_to("externalcontact/groupchat/get"))


async def test_sync_builds_the_registry_with_types_and_twice_changes_nothing(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with group_stack(store, fake) as stack:
        first = await stack.reconciler.sync_all()
        assert (first.listed, first.reconciled, first.failed) == (3, 3, {})
        group = await stack.registry.get("wrFlash")
        assert group is not None
        assert (group.name, group.owner, group.type, group.member_count) == ("快闪第3期", "bob", "flash", 3)
        assert group.version == fake.groups["wrFlash"]["member_version"]
        assert (await stack.registry.get("wrAcne")).type == "precise"  # type: ignore[union-attr]
        members = await stack.registry.members("wrDaily")
        assert set(members) == {"anna", "wmA", "wmB", "wmC"}
        assert members["wmA"].type == EXTERNAL and members["anna"].type == 1
        assert members["wmA"].name == "name-wmA"
        second = await stack.reconciler.sync_all()
        assert (second.changed, second.joins, second.leaves, second.dismissed) == (0, 0, 0, 0)
        assert await stack.stats.for_group("wrDaily") == {}  # the first sight of a group is not "joins"


async def test_sync_counts_what_changed_while_nobody_listened(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        fake.change_members("wrDaily", add=["wmX", "wmY"], remove=["wmB"])
        del fake.groups["wrAcne"]
        report = await stack.reconciler.sync_all()
        assert (report.changed, report.joins, report.leaves, report.dismissed) == (1, 2, 1, 1)
        assert (await stack.registry.get("wrAcne")).status == DISMISSED  # type: ignore[union-attr]
        daily = await stack.stats.for_group("wrDaily")
        assert daily["joins"] == 2 and daily["leaves"] == 1 and daily["left_quietly"] == 1
        assert (await stack.stats.for_group("wrAcne"))["leaves"] == 1  # wmE went with the group


async def test_81017_lists_by_owner_in_batches_of_100(store: Store, fake: FakeWeCom) -> None:
    fake.visible_members = 5000
    for n in range(150):
        fake.add_group(f"wr{n:03d}", f"日常{n}群", f"owner{n:03d}", [f"wm{n}"])
    async with group_stack(store, fake) as stack:
        report = await stack.reconciler.sync_all()
        assert report.by_owner_filter and report.listed == 150 and report.reconciled == 150
        lists = fake.calls_to("externalcontact/groupchat/list")
        assert lists[0].get("owner_filter") is None  # tried once without, got 81017
        filtered = [call["owner_filter"]["userid_list"] for call in lists[1:]]
        assert [len(batch) for batch in filtered] == [100, 50]
        # a listing by owner is not complete proof that a group is gone: nothing marked dismissed
        assert report.dismissed == 0


async def test_sync_pages_with_the_cursor(store: Store, fake: FakeWeCom, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(25):
        fake.add_group(f"wr{n}", f"日常{n}", "anna", [])
    async with group_stack(store, fake) as stack:
        pages = stack.groups_api.groupchat_pages
        monkeypatch.setattr(stack.groups_api, "groupchat_pages", lambda owners: pages(owners, limit=10))
        report = await stack.reconciler.sync_all()
        assert report.listed == 25
        cursors = [call.get("cursor", "") for call in fake.calls_to("externalcontact/groupchat/list")]
        assert cursors == ["", "10", "20"]


async def test_sync_stays_inside_the_per_minute_budget(store: Store, fake: FakeWeCom,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(12):
        fake.add_group(f"wr{n}", f"日常{n}", "anna", [])
    async with group_stack(store, fake, per_minute=5) as stack:
        minutes: list[int] = []
        original = stack.groups_api.groupchat_get

        async def timed(chat_id: str) -> dict[str, object]:
            minutes.append(int(stack.clock.now // 60))
            return await original(chat_id)

        monkeypatch.setattr(stack.groups_api, "groupchat_get", timed)
        report = await stack.reconciler.sync_all()
        assert report.reconciled == 12
        per_minute = {minute: minutes.count(minute) for minute in minutes}
        assert max(per_minute.values()) <= 5 and len(per_minute) == 3  # 5 + 5 + 2, waiting on the fake clock
        assert report.waited_s >= 60


async def test_events_in_order_apply_without_fetching(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        before = gets(fake)
        last, current = fake.change_members("wrDaily", add=["wmNew"])
        outcome = await stack.events.handle(member_event("wrDaily", "add_member", ["wmNew"], last, current,
                                                         created=T0 + 10, scene=3))
        assert outcome == "applied" and gets(fake) == before
        assert "wmNew" in await stack.registry.members("wrDaily")
        assert (await stack.registry.get("wrDaily")).version == current  # type: ignore[union-attr]
        # the same event again (WeCom retried): nothing changes, nothing counted twice
        again = await stack.events.handle(member_event("wrDaily", "add_member", ["wmNew"], last, current,
                                                       created=T0 + 10, scene=3))
        assert again == "duplicate"
        stats = await stack.stats.for_group("wrDaily")
        assert stats["joins"] == 1 and stats["joins_scene_3"] == 1


async def test_a_lost_event_is_noticed_by_its_version_and_reconciled(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        fake.change_members("wrDaily", add=["wmLost"])  # its callback never arrives
        last, current = fake.change_members("wrDaily", remove=["wmA"])
        before = gets(fake)
        outcome = await stack.events.handle(member_event("wrDaily", "del_member", ["wmA"], last, current,
                                                         created=T0 + 20, scene=1))
        assert outcome == "reconciled:version_mismatch" and gets(fake) == before + 1
        members = await stack.registry.members("wrDaily")
        assert "wmLost" in members and "wmA" not in members
        stats = await stack.stats.for_group("wrDaily")
        assert stats["joins"] == 1 and stats["leaves"] == 1 and stats["removed"] == 1  # the event's QuitScene


async def test_a_late_event_already_in_the_snapshot_costs_nothing(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        first = fake.change_members("wrDaily", add=["wmX"])
        second = fake.change_members("wrDaily", remove=["wmB"])
        late = member_event("wrDaily", "add_member", ["wmX"], *first, created=stack.clock.now + 1)
        early = member_event("wrDaily", "del_member", ["wmB"], *second, created=stack.clock.now + 2)
        stack.clock.advance(3)
        assert await stack.events.handle(early) == "reconciled:version_mismatch"
        calls = gets(fake)
        assert await stack.events.handle(late) == "stale"  # older than the snapshot that already holds it
        assert gets(fake) == calls
        assert set(await stack.registry.members("wrDaily")) == {"anna", "wmA", "wmC", "wmX"}
        stats = await stack.stats.for_group("wrDaily")
        assert stats["joins"] == 1 and stats["leaves"] == 1  # counted once, by the reconcile


async def test_events_out_of_order_end_in_the_right_state(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        first = fake.change_members("wrDaily", add=["wmX"])
        second = fake.change_members("wrDaily", remove=["wmX", "wmB"])
        late = member_event("wrDaily", "add_member", ["wmX"], *first, created=stack.clock.now + 1)
        early = member_event("wrDaily", "del_member", ["wmX", "wmB"], *second, created=stack.clock.now + 2)
        stack.clock.advance(3)
        assert await stack.events.handle(early) == "reconciled:version_mismatch"
        # the late add of a member the snapshot does not hold: gone since, or WeCom's snapshot lagged
        # (its fields update asynchronously) — the registry cannot tell, so it asks once more
        assert await stack.events.handle(late) == "reconciled:stale_mismatch"
        assert set(await stack.registry.members("wrDaily")) == {"anna", "wmA", "wmC"}
        assert (await stack.registry.get("wrDaily")).version == fake.groups["wrDaily"]["member_version"]  # type: ignore[union-attr]
        stats = await stack.stats.for_group("wrDaily")
        assert stats["leaves"] == 1 and stats.get("joins", 0) == 0  # wmX came and went between snapshots


async def test_group_changes_without_values_fetch_the_group(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        fake.groups["wrDaily"]["name"] = "快闪第4期"
        event = {"Event": "change_external_chat", "ChangeType": "update", "UpdateDetail": "change_name",
                 "ChatId": "wrDaily", "CreateTime": str(int(T0 + 30))}
        assert await stack.events.handle(event) == "reconciled:change_name"
        group = await stack.registry.get("wrDaily")
        assert group is not None and (group.name, group.type) == ("快闪第4期", "flash")


async def test_create_and_dismiss(store: Store, fake: FakeWeCom) -> None:
    async with group_stack(store, fake) as stack:
        fake.add_group("wrNew", "SVIP超级用户群", "anna", ["wmA"])
        created = {"Event": "change_external_chat", "ChangeType": "create", "ChatId": "wrNew",
                   "CreateTime": str(int(T0))}
        assert await stack.events.handle(created) == "created"
        assert (await stack.registry.get("wrNew")).type == "super_user"  # type: ignore[union-attr]
        dismissed = {"Event": "change_external_chat", "ChangeType": "dismiss", "ChatId": "wrNew",
                     "CreateTime": str(int(T0 + 60))}
        assert await stack.events.handle(dismissed) == "dismissed"
        group = await stack.registry.get("wrNew")
        assert group is not None and group.status == DISMISSED and group.member_count == 0
        assert await stack.registry.members("wrNew") == {}


async def test_a_dismissal_with_a_garbled_time_is_dated_when_it_arrived_not_1970(store: Store,
                                                                                 fake: FakeWeCom) -> None:
    """Read as 0, the dismissal was older than any retention: the janitor dropped the group's records at once."""
    async with group_stack(store, fake) as stack:
        fake.add_group("wrOdd", "SVIP超级用户群", "anna", ["wmA"])
        assert await stack.events.handle({"Event": "change_external_chat", "ChangeType": "create",
                                          "ChatId": "wrOdd", "CreateTime": "soon"}, T0) == "created"
        dismissed = {"Event": "change_external_chat", "ChangeType": "dismiss", "ChatId": "wrOdd", "CreateTime": "abc"}
        assert await stack.events.handle(dismissed, T0 + 60) == "dismissed"
        assert float((await store.hgetall(group_key("wrOdd")))["dismissed_at"]) == T0 + 60
        assert await store.zdue(DISMISSED_INDEX, T0 + 59, 10) == []  # not due before it happened


async def test_an_event_for_an_unknown_group_fetches_it(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrLate", "日常群", "anna", ["wmA"])
    async with group_stack(store, fake) as stack:
        last, current = fake.change_members("wrLate", add=["wmB"])
        outcome = await stack.events.handle(member_event("wrLate", "add_member", ["wmB"], last, current,
                                                         created=T0 + 1))
        assert outcome == "reconciled:unknown_group"
        assert set(await stack.registry.members("wrLate")) == {"anna", "wmA", "wmB"}


async def test_wecom_errors_during_sync_are_reported_per_group(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with group_stack(store, fake) as stack:
        fake.fail("externalcontact/groupchat/get", 48002)  # no permission for one group
        report = await stack.reconciler.sync_all()
        assert report.reconciled == 2 and list(report.failed.values()) == ["48002 injected 48002"]
        fake.fail("externalcontact/groupchat/list", 60020)
        with pytest.raises(WeComError) as raised:
            await stack.reconciler.sync_all()
        assert raised.value.errcode == 60020
