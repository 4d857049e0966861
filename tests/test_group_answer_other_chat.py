"""A groupchat/get answer about another group than the one asked for (attack15c): it was applied to the group it
named — that group's members replaced by the asked one's (every one of its members counted as leaving, the asked
group's counted as joining it), and the asked group left as it was. It is now a MalformedAnswer: retried, then
dead-lettered, nothing changed. The group code with the fake WeCom, on both stores."""

from __future__ import annotations

import pytest

from bot.groups.answers import MalformedAnswer
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import group_stack
from tests.test_group_bad_answers import GET, answer


async def test_an_answer_naming_another_group_changes_neither(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrX", "日常1群", "anna", ["wmA"])
    fake.add_group("wrY", "日常2群", "anna", ["wmB", "wmC"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.reconcile("wrX")
        await stack.reconciler.reconcile("wrY")
        before = await stack.registry.members("wrY")
        fake.answer_raw(GET, answer(chat_id="wrY"), times=5)  # asked about wrX
        with pytest.raises(MalformedAnswer) as caught:
            await stack.events.handle({"ChatId": "wrX", "ChangeType": "update", "UpdateDetail": "change_name",
                                       "CreateTime": "1700000100"})
        assert "another group" in str(caught.value)
        assert await stack.registry.members("wrY") == before
