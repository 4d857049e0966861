"""The owner is told what happened, not what was planned (QA round 13, F2): a customer the owner has not added cannot
be tagged, so the notice must not say 已给他打上“违规”标签 — it says it could not, and why."""

from __future__ import annotations

from bot.enforcement.detector_judge import DetectorJudge
from bot.store.base import Store
from tests.content_cache import bundled_library
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import moderation_stack, said

LIBRARY = bundled_library()


async def test_a_tag_that_failed_is_not_claimed(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wr0", "护肤日常1群", "anna", ["wmNoRel", "wmKnown"])
    fake.relations["wmKnown"] = {"anna": set()}  # wmNoRel: the owner has not added her, so no tag can be set
    async with moderation_stack(store, fake) as stack:
        clock, moderation = stack.groups.clock, stack.moderation
        moderation.judge = DetectorJudge(lambda: LIBRARY.current.moderation, store, clock)
        await stack.groups.reconciler.sync_all()
        for customer in ("wmNoRel", "wmKnown"):
            for number in range(2):  # the second strike asks for removal and tags
                await moderation.handle(said(f"{customer}{number}", "wr0", customer, "加我微信 wxid_zz8899 领福利", clock()))
                clock.advance(3600)
                await stack.notifier.flush()  # one at a time: four together would go as one digest
        removals = [m for m in fake.messages_to("anna") if "请处理" in m]
        unrelated = [m for m in removals if "mNoRel" in m]
        known = [m for m in removals if "mKnown" in m]
        assert unrelated and all("已给他打上" not in m and "没能给他打上" in m for m in unrelated), removals
        assert known and all("已给他打上“违规”标签" in m for m in known), removals
