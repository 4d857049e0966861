"""What a group owner reads is plain Chinese from content: what the customer did (the deciding rule's `reason`,
else its category's, knowledge/moderation.yaml) — never a rule id (contact_id, keyword:…), a category id (fraud)
or the detector's scoring (得分 9/3). Keyword rules of the 数据与智能专区 read like the detector's rules."""

from __future__ import annotations

import dataclasses
import re

from bot.enforcement.detector_judge import DetectorJudge
from bot.groups.spec import KeywordRule
from bot.store.base import Store
from tests.content_cache import bundled_library
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import moderation_stack, said, sample_groups

LIBRARY = bundled_library()
INTERNALS = re.compile(r"contact_id|invite|ad_strong|fraud|keyword|rule-|得分|判定|\d+/3")


def seed(fake: FakeWeCom) -> None:
    fake.add_group("wrA", "护肤日常1群", "anna", ["wmAd", "wmScam", "wmHit", "wmOdd"])


async def test_a_detector_verdict_reaches_the_owner_as_the_rules_reason(store: Store, fake: FakeWeCom) -> None:
    seed(fake)
    async with moderation_stack(store, fake) as stack:
        clock = stack.groups.clock
        stack.moderation.judge = DetectorJudge(lambda: LIBRARY.current.moderation, store, clock)
        await stack.groups.reconciler.sync_all()
        assert await stack.moderation.handle(said("m1", "wrA", "wmAd", "加我微信 abc12345 领福利", clock())) == "acted"
        clock.advance(61)
        await stack.notifier.flush()
        [notice] = fake.messages_to("anna")
        # contact_id decides: its own reason in moderation.yaml, and the message as she wrote it
        assert "在群里留了微信号、QQ号之类的联系方式：加我微信 abc12345 领福利" in notice, notice
        assert not INTERNALS.search(notice), notice
        assert "命中规则" not in notice
        # a word list without a reason of its own: its category's
        await stack.moderation.handle(said("m2", "wrA", "wmScam", "刷单返利，一单一结，稳赚不赔，加我微信 abc12345",
                                           clock()))
        alert = fake.messages_to("anna")[-1]
        assert alert.startswith("【紧急】") and "发了像诈骗的信息（刷单返利、让人转账之类）：刷单返利" in alert, alert
        assert not INTERNALS.search(alert.split("：", 1)[0]), alert
        # the operator still sees the rule and the scoring in the audit record
        decision = (await stack.audit.read(days=1, limit=1, kinds={"decision"}))[0]
        assert decision["rule"] == "fraud_strong" and "得分" in decision["explanation"]


async def test_keyword_rules_read_as_their_reason_or_their_categorys(store: Store, fake: FakeWeCom) -> None:
    """The earlier {category} attempt showed "fraud" for keyword rules, which have no label of their own."""
    seed(fake)
    base = sample_groups()
    rules = {"rule-fraud": KeywordRule(name="骗转账", category="fraud", severity="high", action="alert"),
             "rule-own": KeywordRule(name="冒充客服", category="fraud", severity="high", action="alert",
                                     reason="冒充客服让大家转账")}
    content = dataclasses.replace(base, ladder=base.ladder.model_copy(update={"keyword_rules": rules}))
    async with moderation_stack(store, fake, content=content) as stack:
        await stack.groups.reconciler.sync_all()
        now = stack.groups.clock()
        for msgid, sender, rule in (("h1", "wmHit", "rule-fraud"), ("h2", "wmScam", "rule-own"),
                                    ("h3", "wmOdd", "rule-unlisted")):
            hit = said(msgid, "wrA", sender, "", now, source="keyword", keyword_rule=rule)
            assert await stack.moderation.handle(hit) == "acted"
        stack.groups.clock.advance(61)
        await stack.notifier.flush()
        by_customer = {who: [m for m in fake.messages_to("anna") if who in m] for who in ("wmHit", "wmScam", "wmOdd")}
        [category] = by_customer["wmHit"]
        assert "发了像诈骗的信息（刷单返利、让人转账之类）：（企业微信的关键词规则只告诉我们命中了，看不到原话）" in category
        [own] = by_customer["wmScam"]
        assert "冒充客服让大家转账：" in own
        [unlisted] = by_customer["wmOdd"]  # a rule ladder.yaml does not list: notices.texts.keyword_reason
        assert "发了触发企业微信关键词规则的消息：" in unlisted
        for text in (category, own, unlisted):
            assert not INTERNALS.search(text), text
