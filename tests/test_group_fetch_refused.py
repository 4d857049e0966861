"""A group WeCom will not show because the app is misconfigured is not taken for a non-customer group (attack14).

A message in a group the registry had not met fetches the group; any refusal that was not "busy" marked the
chat `notcustomer` for 24 hours and dropped the message without a log line. WeCom refuses with 48002 when the
app lacks the 客户联系 permission and with 60020 when the server's IP is not in the app's trusted IPs (both
common first-day mistakes): every violation in every group was dropped, and for a day after the fix too.
Such a refusal is now raised (the worker retries and dead-letters the message with its ERROR line, for
`siyu deadletters --replay` once fixed); only a refusal about the chat itself marks it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.app import APP_SERVICES, build_app
from bot.protocol.api import WeComError
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import EchoConversation, settings
from tests.groups_kit import moderation_stack, said
from tests.wecom import callback, event


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


async def test_a_group_change_refused_by_a_misconfigured_app_is_tried_again(fake: FakeWeCom, store: Store,
                                                                            aiohttp_client: Any) -> None:
    """The same for change_external_chat: a refusal that was the app's was recorded as group_change_failed
    and the change dropped; it is now tried again (the worker's attempts), and applied once WeCom answers."""
    fake.add_group("wrLate", "日常新群", "anna", ["wmA"])
    fake.fail("externalcontact/groupchat/get", 60020)
    app = build_app(settings(fake.base_url), lambda _: EchoConversation(), store=store,
                    worker_options={"lease_ms": 1000, "block_ms": 50, "retry_delay_s": 0.01})
    client = await aiohttp_client(app)
    query, body = callback(event("change_external_chat", ChatId="wrLate", ChangeType="create"))
    assert (await client.post("/wecom/callback", params=query, data=body)).status == 200
    groups = client.app[APP_SERVICES].groups
    assert groups is not None
    for _ in range(250):
        if await groups.registry.get("wrLate") is not None:
            break
        await asyncio.sleep(0.02)
    assert await groups.registry.get("wrLate") is not None
    assert await groups.audit.read(days=1, limit=5) == []
