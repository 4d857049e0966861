"""One flood is one strike (QA round 13, F1): ten quick, ordinary messages from one buyer (我要买, 多少钱呀 …) went
past the flood limit three times in three seconds, so the ladder went 1 → 2 → 3 — blacklisted, tagged 违规, and the
owner was told 【紧急】 to remove her. The first message past the limit strikes; the rest of that episode are recorded
(`same_episode`) without a strike or a notice. A flood in another window is a new episode."""

from __future__ import annotations

from bot.enforcement import blacklist
from bot.enforcement.detector_judge import DetectorJudge
from bot.store.base import Store
from tests.content_cache import bundled_library
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import moderation_stack, said

LIBRARY = bundled_library()
CHATTER = ["哇", "好漂亮", "我要买", "多少钱呀", "有优惠吗", "能包邮吗", "我在北京", "什么时候发货", "谢谢啦", "爱了爱了"]


async def test_one_flood_is_one_strike_and_no_blacklisting(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wr0", "护肤日常1群", "anna", ["wmHappy"])
    fake.relations["wmHappy"] = {"anna": set()}
    async with moderation_stack(store, fake) as stack:
        clock, moderation = stack.groups.clock, stack.moderation
        moderation.judge = DetectorJudge(lambda: LIBRARY.current.moderation, store, clock)
        await stack.groups.reconciler.sync_all()
        outcomes = []
        for number, text in enumerate(CHATTER):
            outcomes.append(await moderation.handle(said(f"h{number}", "wr0", "wmHappy", text, clock())))
            clock.advance(1.5)
        assert outcomes.count("acted") == 1 and outcomes.count("same_episode") >= 1, outcomes
        assert not await blacklist.restraint(store, "wmHappy")
        strikes = [d.get("strike") for d in await stack.audit.read(days=30, limit=50, kinds={"decision"})
                   if d.get("outcome") == "acted"]
        assert strikes == [1], strikes

        clock.advance(3600)  # an hour later, another flood: a new episode, the second strike
        later = []
        for number, text in enumerate(CHATTER):
            later.append(await moderation.handle(said(f"k{number}", "wr0", "wmHappy", text, clock())))
            clock.advance(1.5)
        assert later.count("acted") == 1, later
