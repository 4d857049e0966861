"""A customer who posts three adverts within the minute reaches strike 3 before the notices of strikes 1 and 2 have
left their batching wait. The owner used to get 【紧急】 (strike 3: remove him, he is blacklisted) first and then,
in the same second, 「第 1 次。先留意一下，暂时不用处理」 and 「第 2 次…请移出」: the calm advice after the urgent one.

What an owner expects: one urgent message that says what he did now and what he did before, and nothing about him
afterwards that contradicts it. So an alert takes the waiting notices about the same customer with it, oldest
first (notices.texts.alert_earlier), and they are not sent again. Notices about other customers keep their turn."""

from __future__ import annotations

from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import moderation_stack, said


async def test_an_alert_carries_the_waiting_notices_about_the_same_customer(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrA", "护肤日常1群", "anna", ["wmSpam", "wmOther"])
    async with moderation_stack(store, fake) as stack:
        clock, mod = stack.groups.clock, stack.moderation
        await stack.groups.reconciler.sync_all()
        assert await mod.handle(said("o1", "wrA", "wmOther", "看这个 http://x.cn", clock())) == "acted"
        for n, text in enumerate(["加我微信 第一条", "刷单日结 第二条", "加我微信 第三条"], start=1):
            clock.advance(5)
            assert await mod.handle(said(f"s{n}", "wrA", "wmSpam", text, clock())) == "acted"
        [alert] = fake.messages_to("anna")  # at once, and alone: nothing about him after it
        assert alert.startswith("【紧急】") and "加我微信 第三条" in alert, alert
        earlier = alert.split("加我微信 第三条", 1)[1]
        assert "加我微信 第一条" in earlier and "刷单日结 第二条" in earlier, alert
        assert earlier.index("第一条") < earlier.index("第二条"), alert  # oldest first
        assert "先留意一下" not in alert
        clock.advance(120)
        await stack.notifier.flush()
        later = fake.messages_to("anna")[1:]
        assert later and all("wmSpam" not in m for m in later), later  # strikes 1 and 2 are not told again
        assert any("http://x.cn" in m for m in later)  # the other customer's notice kept its turn
        sent = await stack.audit.read(days=1, limit=10, kinds={"notice_sent"})
        assert sorted(len(r["notices"]) for r in sent) == [1, 3]
