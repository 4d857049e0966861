"""The readings added on group_chat_blind8.tsv's errors (fifteenth session, docs/moderation.md), each written here in
other words than the set's, so the kind of message is caught and not the line: adverts that promise a cure, 招代理
ladders, task and screen-share scams, drugs sold without a prescription, betting groups, V⭐ = V信 beside a
friend-making pitch, and members' reports and stories that quote such adverts."""

from __future__ import annotations

import pytest

from bot.moderation import Detector
from tests.moderation_kit import bundled_detector, rules_of


@pytest.fixture(scope="module")
def detector() -> Detector:
    return bundled_detector()


@pytest.mark.parametrize("text", [
    "这款降糖茶 医院治不好的老毛病 我们都能治好",
    "膝盖疼的试试我们的膏药 比吃药管用多了",
    "吃了我们的酵素 停药也没事 血压稳稳的",
    "美白精华一抹就白 三天见效",
    "减肥茶 一周瘦十斤 不节食",
    "瘦身茶 喝了就瘦 一天拉掉两斤",
    "祖传秘方 专治老寒腿",
])
def test_adverts_that_promise_a_cure_or_a_miracle(detector: Detector, text: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation, verdict.explain()
    assert rules_of(detector, text) & {"health_claim", "health_medium", "health_weak"}


@pytest.mark.parametrize("text", [
    "医生说不用手术，保守治疗就行",  # a member's own diagnosis
    "这个面霜我亲测好用，就是有点油",
    "宝宝湿疹能根治吗？用了好几个疗程了",
    "我妈差点被“吃了能抗癌”那套骗了，大家家里老人要注意",  # a story that quotes the advert
    "祛斑的产品有推荐的吗",
    "这个面霜一抹就起泥",
    "宝妈在家亲测，这个减肥茶有货吗",
    "这个能抗癌吗 我妈肿瘤刚做完手术",
    "最近一周瘦了三斤，吃了不饿的那种代餐好用吗",
    "增高药有用吗 孩子一个疗程长了多少",
    "纯中药的东西孕妇都能吃吗",
])
def test_members_talking_about_health_are_not(detector: Detector, text: str) -> None:
    assert not detector.judge_text(text).violation, detector.judge_text(text).explain()


@pytest.mark.parametrize(("text", "category", "rule"), [
    ("诚招合伙人 拿货398起 带团队拿提成", "ad", "ad_strong"),
    ("来做我下级 三个月回本 有老师带", "ad", "ad_strong"),
    ("客服说退款要开屏幕共享才能操作，我帮你弄", "fraud", "fraud_strong"),
    ("刷点赞的活 先做一单 我帮你垫钱", "fraud", "fraud_strong"),
    ("币圈早期入场机会 区块链新项目", "fraud", "fraud_strong"),
    ("失眠的找我 安眠药 不用处方 顺丰发", "illegal", "illegal"),
    ("增肌针 类固醇 健身的私我", "illegal ad", "illegal_weak"),  # the model outweighs two weak words
    ("今晚欧冠 输了包赔 想跟的进群看单", "gambling", "gambling_strong"),
])
def test_ladders_scams_drugs_and_betting(detector: Detector, text: str, category: str, rule: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation and verdict.category in category.split(), verdict.explain()
    assert rule in rules_of(detector, text)


@pytest.mark.parametrize(("text", "rule"), [
    ("需要的扫码👇 [二维码]", "contact_invite"),
    ("搜公众号“天天好价”回复1领隐藏优惠券", "contact_invite"),
    ("有想一起做的扣1 我挨个拉", "ad_medium"),
    ("V⭐ 1⃣3⃣6⃣ 多个朋友多条路", "contact_pitch"),
    ("加魏：mm_0521", "contact_id"),
])
def test_routes_away_from_the_group(detector: Detector, text: str, rule: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation and verdict.category in ("contact", "ad"), verdict.explain()
    assert rule in rules_of(detector, text)


@pytest.mark.parametrize("text", [
    "“时时彩”那个广告还在，群主撤回一下吧",  # a report quotes the gambling word
    "网上那些“不看征信秒下款”的千万别碰",
    "昨天被冒充客服的骗着开了屏幕共享，大家千万注意",
    "我朋友是做保险的，问下大家有推荐的吗",  # ordinary words: 做保险
    "搜公众号能找到咱们官方吗",
    "有人开会用会议软件共享屏幕卡吗",
])
def test_reports_stories_and_ordinary_questions_are_not(detector: Detector, text: str) -> None:
    assert not detector.judge_text(text).violation, detector.judge_text(text).explain()
