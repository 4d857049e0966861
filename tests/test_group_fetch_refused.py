"""A group WeCom will not show because the app is misconfigured is not taken for a non-customer group (attack14).

A message in a group the registry had not met fetches the group; any refusal that was not "busy" marked the
chat `notcustomer` for 24 hours and dropped the message without a log line. WeCom refuses with 48002 when the
app lacks the 客户联系 permission and with 60020 when the server's IP is not in the app's trusted IPs (both
common first-day mistakes): every violation in every group was dropped, and for a day after the fix too.
Such a refusal is now raised (the worker retries and dead-letters the message with its ERROR line, for
`siyu deadletters --replay` once fixed); only a refusal about the chat itself marks it.
"""

from __future__ import annotations

import pytest

from bot.protocol.api import WeComError
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import moderation_stack, said


@pytest.mark.parametrize("errcode", [48002, 60020])
async def test_a_misconfigured_app_is_not_a_non_customer_group(store: Store, fake: FakeWeCom, errcode: int) -> None:
    fake.add_group("wrNew", "日常新群", "anna", ["wmSpam"])
    async with moderation_stack(store, fake) as stack:
        now = stack.groups.clock()
        fake.fail("externalcontact/groupchat/get", errcode)
        with pytest.raises(WeComError):
            await stack.moderation.handle(said("m1", "wrNew", "wmSpam", "加我微信", now))
        assert await store.get("siyu:grp:wrNew:notcustomer") is None
        # the operator fixed the app: the same message is judged (a replay, or the worker's next attempt)
        assert await stack.moderation.handle(said("m1", "wrNew", "wmSpam", "加我微信", now)) == "acted"


async def test_a_wrong_secret_is_not_a_non_customer_group(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrNew", "日常新群", "anna", ["wmSpam"])
    async with moderation_stack(store, fake) as stack:
        now = stack.groups.clock()
        fake.expire_tokens()
        fake.fail("gettoken", 40001, times=2)
        with pytest.raises(WeComError):
            await stack.moderation.handle(said("m1", "wrNew", "wmSpam", "加我微信", now))
        assert await store.get("siyu:grp:wrNew:notcustomer") is None
