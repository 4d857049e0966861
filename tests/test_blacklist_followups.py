"""A customer blacklisted by customer-group moderation (bot/enforcement/blacklist.py) is never sold to on
any path: no proactive offer in a conversation, no offer step of a follow-up plan (bot/followups/facts.py
reads the blacklist), and an explicit ask is answered without a product — while care and tips still go."""

from __future__ import annotations

from bot.conversation import Outbound
from bot.enforcement import blacklist
from bot.store.base import Store
from bot.tools.simulator import Simulator
from tests.followups_kit import LIBRARY, MORNING

SURVEY = ("好", "小美", "我比较懒，随便抹抹", "可以", "2", "3", "D")  # as flows/tests/followups.yaml


async def _surveyed(store: Store, customer: str) -> Simulator:
    sim = Simulator(LIBRARY, store=store, customer=customer, start=MORNING)
    await sim.enter()
    for text in SURVEY:
        await sim.say(text)
    assert await sim.wait(3 * 86400)  # day 1 care
    await sim.say("谢谢")
    return sim


def _labels(messages: list[Outbound]) -> list[str]:
    return [m.label for m in messages]


async def test_a_blacklisted_customer_gets_no_offer_from_a_follow_up_plan(store: Store) -> None:
    control = await _surveyed(store, "wmFine")
    assert _labels(await control.wait(21 * 86400)) == ["followup.tip.痘痘", "followup.offer", "recommend.may_i"]

    sim = await _surveyed(store, "wmBanned")
    assert await blacklist.add(store, "wmBanned", {"reason": "广告 in 护肤日常1群"}, sim.now)
    later = _labels(await sim.wait(21 * 86400))
    assert later == ["followup.tip.痘痘"]  # the tip (no product) still goes; the offer step does not
    skipped = [o for o in sim.outcomes if o.step == "offer" and o.outcome == "skipped"]
    assert skipped and "客户群黑名单" in skipped[-1].detail, [(o.step, o.outcome, o.detail) for o in sim.outcomes]
    assert not any(o.step == "offer" and o.outcome == "sent" for o in sim.outcomes)
    assert (await sim.profile()).offers == []


async def test_a_blacklisted_customer_is_held_proactively_and_an_ask_gets_no_product(store: Store) -> None:
    sim = await _surveyed(store, "wmBanned2")
    await blacklist.add(store, "wmBanned2", {"reason": "fraud"}, sim.now)
    since = len(sim.events)
    answer = _labels(await sim.say("脸上又爆痘了，好烦"))  # a need shown in a later session: proactive
    answer += _labels(await sim.say("有什么推荐吗"))  # an explicit ask
    assert not any(label.startswith(("card:", "recommend.offer", "recommend.may_i", "recommend.light"))
                   for label in answer), answer
    decisions = await sim.decisions(since)
    assert decisions and all(d["action"] == "hold" for d in decisions)
    assert all(any("客户群黑名单（blacklisted: fraud）" in r for r in d["reasons"]) for d in decisions)
    assert any(d["asked"] for d in decisions)  # the ask was seen, and answered without a product
    assert (await sim.profile()).offers == []
