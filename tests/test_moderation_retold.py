"""Group messages from the sixth blind set (group_chat_blind6.tsv, first read on 2026-11-27): contact handles
behind 加这个 / 新号是 / 群号, and members who retell an invitation or ask the owner to add them."""

from __future__ import annotations

import pytest

from bot.moderation import Detector
from tests.moderation_kit import bundled_detector


@pytest.fixture(scope="module")
def detector() -> Detector:
    return bundled_detector()


@pytest.mark.parametrize("text", [
    "你们家客服电话打不通 我找到另一个客服号了 加这个 kf_8899vip 退款很快的",
    "你们也去加那个客服 lp-kefu007",
    "这个号被封了 新号是 lucky_mama2026 大家重新加一下哈",
    "加绿 dd5566a 看更多款式",
    "这个群死气沉沉的 来我群吧 群号786512334",
    "Q我：二八四七 五六一 九三零",
])
def test_a_handle_behind_a_pointing_word_is_a_contact(detector: Detector, text: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation and verdict.category == "contact", verdict.explain()


@pytest.mark.parametrize("text", [
    "大家小心！！有人加我好友说是客服 要给我理赔 还让我下载什么会议软件共享屏幕 这是骗子 千万别信",
    "刚在群里看到有人说加V领红包 大家别加啊 都是骗子 已经有人被骗了",
    "有骗子冒充群主私聊我 头像昵称一模一样 大家注意 群主不会私聊找你要钱的",
    "地址我私发给群主了 已经加好友了",
    "群主能加个好友吗 我买的东西有点问题 想私聊说",
    "昨天那个在群里发色情图片的被踢了吗 恶心死了",
])
def test_a_retold_invitation_or_a_request_to_the_owner_is_no_violation(detector: Detector, text: str) -> None:
    assert not detector.judge_text(text).violation, detector.judge_text(text).explain()


def test_a_safe_word_hides_what_every_detector_finds_inside_it(detector: Detector) -> None:
    """Safe words used to hide only listed words: 有人加我好友 still counted the invitation 加我好友 inside it."""
    inside = {e.rule for e in detector.judge_text("有人加我好友说是客服").evidence}
    alone = {e.rule for e in detector.judge_text("加我好友说是客服").evidence}
    assert "invite" in alone and "invite" not in inside


@pytest.mark.parametrize(("text", "category"), [
    ("什么破群 管理员都是死人吗 你们全家都不得好死", "abuse"),
    ("你信不信我把你在群里说的话截图发你老公单位去 让你社死", "abuse"),
    ("这种狗官都该挂路灯 大家团结起来 别让他们好过", "politics"),
    ("谁有闲钱 我这有个项目 投一万每月返一千 靠谱的", "fraud"),
    ("⚠️重要通知⚠️ 本群即将解散 请所有成员尽快加入新群 扫码👇", "contact"),
    ("听说这家奶粉被查出有问题 好几个宝宝吃了住院了 大家赶紧去退 转告身边的宝妈！！", "rumor"),
])
def test_words_first_seen_in_the_sixth_blind_set(detector: Detector, text: str, category: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation and verdict.category == category, verdict.explain()
