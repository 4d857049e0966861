"""A customer group's record in Redis that cannot be read must not fail every event of the group (attack15b).

The members are one JSON string per group and the group's facts a hash read with int()/float(): a truncated
members string, an entry of another shape (an older version), or a hash field that is no number raised on every
change_external_chat and every moderated message of the group — dead-lettered one after another, for good.
The group can always be fetched again from WeCom, so the record is now kept for the operator
(`siyu:log:unreadable`, one WARNING naming the key) and the group fetched again, without counting its members
as joins.
"""

from __future__ import annotations

import json
import logging

import pytest

from bot.groups.registry import group_key, members_key
from bot.store.base import Store
from bot.store.unreadable import UNREADABLE_LOG
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import group_stack, member_event, moderation_stack, said


async def kept_keys(store: Store) -> list[str]:
    return [json.loads(item)["key"] for item in await store.lrange(UNREADABLE_LOG, 0, -1)]


@pytest.mark.parametrize("bad", ['{"anna":[1,0,1,""],"wmA":[2,3', '["anna"]', '{"wmA": 2}', '{"wmA": {}}',
                                 '{"wmA": ["x", 0, 0, ""]}'])
async def test_unreadable_members_are_kept_and_the_group_fetched_again(
        store: Store, fake: FakeWeCom, bad: str, caplog: pytest.LogCaptureFixture) -> None:
    fake.add_group("wrX", "日常1群", "anna", ["wmA", "wmB"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.reconcile("wrX")
        await store.set(members_key("wrX"), bad)
        last, current = fake.change_members("wrX", add=["wmC"])
        with caplog.at_level(logging.WARNING, logger="bot.store.unreadable"):
            outcome = await stack.events.handle(member_event("wrX", "add_member", ["wmC"], last, current,
                                                             created=stack.clock() + 10, scene=3))
        assert outcome.startswith("reconciled")
        assert set(await stack.registry.members("wrX")) == {"anna", "wmA", "wmB", "wmC"}
        assert await kept_keys(store) == [members_key("wrX")]
        assert [r for r in caplog.records if members_key("wrX") in r.getMessage()]
        assert (await stack.stats.for_group("wrX")).get("joins", 0) <= 1  # the others were members already


async def test_a_group_hash_field_that_is_no_number_is_kept_and_the_group_fetched_again(
        store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrX", "日常1群", "anna", ["wmA"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.reconcile("wrX")
        await store.hset(group_key("wrX"), {"members": "many", "synced_at": "yesterday"})
        group = await stack.registry.get("wrX")
        assert group is not None and group.owner == "anna" and group.version == ""
        last, current = fake.change_members("wrX", add=["wmC"])
        outcome = await stack.events.handle(member_event("wrX", "add_member", ["wmC"], last, current,
                                                         created=stack.clock() + 10, scene=3))
        assert outcome.startswith("reconciled")
        assert (await stack.registry.get("wrX")).member_count == 3  # type: ignore[union-attr]
        assert await kept_keys(store) == [group_key("wrX")]


async def test_a_message_in_a_group_with_unreadable_members_is_still_moderated(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrX", "日常1群", "anna", ["wmSpam"])
    async with moderation_stack(store, fake) as stack:
        await stack.groups.reconciler.reconcile("wrX")
        await store.set(members_key("wrX"), "{not json")
        now = stack.groups.clock()
        assert await stack.moderation.handle(said("m1", "wrX", "wmSpam", "加我微信", now)) == "acted"


async def test_reading_unreadable_members_outside_a_change_writes_nothing(store: Store, fake: FakeWeCom) -> None:
    """A reader (the owner notice's member lookup) holds no lease: deleting the list there could wipe the one another
    process had just written (review15). Only a change, under the lease, keeps and drops it."""
    fake.add_group("wrX", "日常1群", "anna", ["wmA"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.reconcile("wrX")
        await store.set(members_key("wrX"), "{not json")
        assert await stack.registry.members("wrX") == {}
        assert await store.get(members_key("wrX")) == "{not json"
        assert await kept_keys(store) == []
