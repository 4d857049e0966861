"""`siyu forget CUSTOMER` erases, in one go, everything issues 10, 11 and 12 keep about a customer: the
profile, the policy journal, the follow-up record and schedule entry, the funnel record, and the customer
groups' strikes and blacklist record — and nothing of another customer."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from bot.enforcement import blacklist
from bot.enforcement.ladder import Strikes, decision_key
from bot.followups.record import DUE_KEY, customer_of
from bot.funnel.recorder import FunnelMetrics, FunnelRecorder
from bot.funnel.stages import CUSTOMER_KEY
from bot.groups.spec import Ladder
from bot.policy.journal import Journal
from bot.profile.store import Profiles
from bot.retention.forget import forget
from bot.store.base import Store
from bot.tools.simulator import Simulator
from tests.followups_kit import LIBRARY, MORNING

LADDER = Ladder(window_days=30, steps=[["notify_owner"], ["alert", "blacklist"]], severe=["alert", "blacklist"])


async def _everything_about(store: Store, customer: str) -> dict[str, bool]:
    due = [m for m, _ in await store.zdue(DUE_KEY, float("inf"), 10_000) if customer_of(m) == customer]
    strikes = await Strikes(store).history(customer)
    return {
        "profile": bool((await Profiles(store).load(customer)).last_seen),
        "policy journal": bool(await Journal(store).read(customer)),
        "follow-up record": bool(await store.hgetall(f"siyu:fu:{customer}")),
        "follow-up schedule": bool(due),
        "funnel record": bool(await store.hgetall(f"{CUSTOMER_KEY}{customer}")),
        "strikes": bool(strikes),
        "strike decisions": all([await store.get(decision_key(s)) for s, _ in strikes]) and bool(strikes),
        "blacklist record": await blacklist.restraint(store, customer) is not None,
        "blacklist index": customer in [c for c, _ in await blacklist.listed(store)],
        "session": bool(await store.scan(f"siyu:session:*:{customer}")),
    }


async def _customer(store: Store, customer: str) -> None:
    sim = Simulator(LIBRARY, store=store, customer=customer, start=MORNING)
    sim.bus.subscribe(FunnelRecorder(store, FunnelMetrics(CollectorRegistry()), clock=lambda: sim.now))
    await sim.welcome()
    await sim.say("脸上爆痘了 急 有什么推荐")  # evidence, an answer, an offer: profile and journal
    strikes = Strikes(store)
    for n in (1, 2):
        await strikes.strike(customer, f"grp:{customer}:{n}", sim.now, LADDER, severe=False, suggested="")
    assert await blacklist.add(store, customer, {"reason": "广告 in 护肤日常1群"}, sim.now)


async def test_forget_erases_profile_journal_followups_funnel_strikes_and_blacklist_at_once(store: Store) -> None:
    await _customer(store, "wmGone")
    await _customer(store, "wmStay")
    before = await _everything_about(store, "wmGone")
    assert all(before.values()), before  # every record is there to be erased

    counts = await forget(store, "wmGone")

    after = await _everything_about(store, "wmGone")
    assert not any(after.values()), after
    assert all((await _everything_about(store, "wmStay")).values())  # the other customer keeps everything
    assert counts["keys"] >= 5 and counts["moderation keys"] >= 3 and counts["index entries"] >= 1
