"""Every detection rule and every evasion, on the bundled knowledge/moderation.yaml, with its explanation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.moderation import Action, Detector, Message, Role, Severity, load_moderation
from bot.moderation.text import TextNormalizer
from tests.moderation_kit import bundled_detector, rules_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def detector() -> Detector:
    return bundled_detector()



# -- contact handles and their disguises -----------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "加V：abc12345 了解更多",
    "wx: qing-8866",  # 短横线
    "我的微信：abc_123456，有事联系",
    "威信 abc12345",  # 谐音
    "薇信号：happy_life_88",
    "徽信：abc98765",
    "V信：tt-1234",
    "vx：mm556677",
    "ⓥⓧ: qq5566",  # 圈字母
    "Ｖ：ＡＢＣ１２３４５",  # 全角
    "威 ❤ 信：dd-5566",  # 字间夹符号
    "微 信 号 ：z h a n g 8 8 8",  # 逐字空格
    "➕🛰：mm8866",  # emoji 卫星 = 微信
    "jia wei xin: meimei886",  # 拼音
    "加weixin：lili520",
    "jiawei：hh8899",
    "我的V➕：sunshine7788",
    "➕🌏：lucky_2023",  # 加 + 账号
    "扣扣：三五二八九七六一二",  # 中文数字 QQ
    "加我 qq 352897612",
    "q q 号 2 3 4 5 6 7 8 9",
    "有事加我企鹅 8 8 6 6 5 5 4 4",
    "VX同号 138 1234 5678",
    "13677778888同微",
    "V❤：1 5 9 ⑨ 8 7 6 五 四 三 二",
])
def test_contact_handles_in_every_disguise_are_violations(detector: Detector, text: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation, verdict.explain()
    assert verdict.category == "contact"
    assert "contact_id" in rules_of(detector, text)


@pytest.mark.parametrize(("text", "disguise"), [
    ("电话：1️⃣3️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣", "emoji数字"),
    ("联系电话 壹叁捌壹贰叁肆伍陆柒捌", "中文数字"),
    ("手机号一五八六六六六八八八八", "中文数字"),
    ("电：①⑤⑨⑧⑧⑦⑦⑥⑥⑤⑤", "emoji/圈数字"),
    ("手机 1 3 9 · 8 8 7 6 · 5 4 3 2", "逐位分隔"),
    ("电 话 1 5 8 ＊ 6 6 6 6 ＊ 8 8 8 8", "逐位分隔"),
    ("电话158❤6666❤8888", "夹杂符号"),
    ("1 5 9 ⑨ 8 7 6 五 四 三 二", "中文数字"),
    ("手机 ㈠㈤㈨ ㈧㈧㈦㈥ ㈤㈣㈢㈡", "中文数字"),  # parenthesised ideographs
    ("电话⑴⑸⑼⑻⑻⑺⑹⑸⑷⑶⑵", "emoji/圈数字"),
])
def test_disguised_phone_numbers_decide_alone_and_say_how_they_were_disguised(
        detector: Detector, text: str, disguise: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation and verdict.category == "contact", verdict.explain()
    phone = next(e for e in verdict.evidence if e.rule == "phone")
    assert phone.weight == 3 and disguise in phone.note
    assert len(phone.matched) == 11 and phone.matched.startswith("1")


def test_a_plain_phone_number_alone_is_only_a_signal(detector: Detector) -> None:
    verdict = detector.judge_text("我电话是13812345678，快递员联系不上我，麻烦备注一下")
    assert not verdict.violation, verdict.explain()
    assert [e.rule for e in verdict.evidence] == ["phone"] and verdict.score == 2
    assert detector.judge_text("咨询请打 139-8877-6655").violation  # with a cue word


@pytest.mark.parametrize("text", [
    "订单号 4200001234567890 一直没发货，帮忙看下",
    "快递单号SF1402233445566显示签收了但我没收到",
    "取件码 3-2-5017 帮我取一下哈哈",
    "2024年3月15日买的，现在还能退吗",
    "价格是99.9还是89.9",
    "一二三四五六七，七天之后再回购",
    "刚刚打客服热线400-800-1234问了",
    "上周六下的单，单号JD0012345678",
    "一二三四五六七，今天全场打七折？真的假的",  # counting, not a number (blind4)
    "前面是洁面，后面是水乳，最后是防晒",  # a routine in order: no contact marker, so no split contact
])
def test_numbers_that_are_not_contact_details_are_not_violations(detector: Detector, text: str) -> None:
    assert not detector.judge_text(text).violation, detector.judge_text(text).explain()


def test_allowed_numbers_are_never_counted(tmp_path: Path) -> None:
    content = load_moderation(ROOT / "knowledge", ROOT)
    assert content is not None and content.spec.phones is not None
    phones = content.spec.phones.model_copy(update={"allow": ["139-8877-6655"]})
    from dataclasses import replace
    allowed = Detector(replace(content, spec=content.spec.model_copy(update={"phones": phones})))
    assert not allowed.judge_text("咨询请打 139-8877-6655").violation


# -- invitations -----------------------------------------------------------------------------------------
def test_an_invitation_needs_company_and_a_filler_list_keeps_it_precise(detector: Detector) -> None:
    assert rules_of(detector, "怎么加微信") == {"invite"}
    assert not detector.judge_text("怎么加微信").violation
    assert not rules_of(detector, "我加了客服微信了，还没通过") & {"invite", "invite_context"}
    assert not rules_of(detector, "客服让我加一下企业微信，加了吗") & {"invite"}
    assert detector.judge_text("加我vx，备注群名").violation  # 备注 counts once an invitation is there
    assert "invite_context" not in rules_of(detector, "麻烦备注一下")
    assert detector.judge_text("加我私人微信，群里不方便说").violation


def test_a_latin_target_must_end_the_invitation(detector: Detector) -> None:
    assert "invite" not in rules_of(detector, "加VC精华一起用可以吗")
    assert "invite" in rules_of(detector, "加v了解")


def test_a_signal_inside_a_stronger_one_counts_once(detector: Detector) -> None:
    verdict = detector.judge_text("他说加我好友说是客服，是真的吗")  # 有人加我好友 is a safe word now
    assert not verdict.violation, verdict.explain()
    assert [e.rule for e in verdict.evidence] == ["invite"]


@pytest.mark.parametrize("text", [
    "需要的朋友私聊我，价格美丽",
    "看我头像，加好友送面膜",
    "想赚钱的宝妈私聊我",
    "联系方式在我主页",
    "私信我要联系方式",
])
def test_private_chat_invitations_with_a_second_signal(detector: Detector, text: str) -> None:
    assert detector.judge_text(text).violation, detector.judge_text(text).explain()


@pytest.mark.parametrize("text", ["@群主 能私聊我一下吗，订单有点问题", "群主我私信你了，麻烦看下", "刚刚有人私聊我卖东西，是群里的吗？"])
def test_asking_staff_for_a_private_chat_is_not_an_advert(detector: Detector, text: str) -> None:
    assert not detector.judge_text(text).violation, detector.judge_text(text).explain()


# -- links -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "rule"), [
    ("http://t.cn/A6xyz12 领取福利", "link"),
    ("www点abc888点com 打开看看", "link"),
    ("复制打开 abc888。com 有惊喜", "link"),
    ("打开 h t t p s : / / abc . cc 领取", "link"),
    ("看这里 ww.abc123.top", "link"),
    ("https://bit.ly/3xYz9Qr 免费领取", "link"),
    ("复制这条信息￥AbCdEf123￥打开某宝", "shop_code"),
])
def test_links_and_their_disguises(detector: Detector, text: str, rule: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation and verdict.rule == rule, verdict.explain()


def test_brand_domains_are_allowed_and_other_text_with_dots_is_not_a_link(detector: Detector) -> None:
    assert "link" not in rules_of(detector, "官方链接 https://shop.example.com/p/calm-serum 在这")
    assert "link" in rules_of(detector, "https://example.com.evil.top/a")
    for text in ("价格是99.9还是89.9", "this one is so good.", "vivo手机打不开链接", "v1.2 版本"):
        assert "link" not in rules_of(detector, text), text


def test_an_email_address_is_a_contact_signal_not_a_link(detector: Detector) -> None:
    verdict = detector.judge_text("简历发 abc123@qq.com")
    assert [e.rule for e in verdict.evidence if e.rule in ("email", "link")] == ["email"]


# -- word lists ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "category"), [
    ("刷单返佣，零门槛，做一单结一单", "ad"),
    ("兼 ❤ 职 日 结", "ad"),  # 字间夹符号
    ("兼職日結，在家就能做", "ad"),  # 繁体
    ("shuadan 一单五块", "ad"),  # 拼音
    ("高收益理财，稳赚不赔，导师带你赚钱", "fraud"),
    ("百家乐 上分 下分 秒到", "gambling"),
    ("约炮 同城 真人", "porn"),
    ("代开发票，各行业，点数低", "illegal"),
    ("你个傻逼", "abuse"),
    ("SB群主", "abuse"),
])
def test_word_lists_by_category(detector: Detector, text: str, category: str) -> None:
    verdict = detector.judge_text(text)
    assert verdict.violation and verdict.category == category, verdict.explain()


def test_category_decides_action_and_severity(detector: Detector) -> None:
    fraud = detector.judge_text("无抵押贷款，当天放款，黑户也能下款")
    assert (fraud.action, fraud.severity) == (Action.ALERT, Severity.HIGH)
    ad = detector.judge_text("一手货源 一件代发")
    assert (ad.action, ad.severity) == (Action.WARN, Severity.LOW)
    # same weight, different categories: the more severe one decides
    both = detector.judge_text("日结 裸聊")
    assert both.category == "porn"


def test_safe_words_hide_the_words_inside_them(detector: Detector) -> None:
    assert "porn_weak" not in rules_of(detector, "买了全套护肤品")
    assert "porn_weak" in rules_of(detector, "全套 上门")


def test_latin_words_match_only_between_word_edges(detector: Detector) -> None:
    assert "abuse" not in rules_of(detector, "usb接口坏了")
    assert "abuse" not in rules_of(detector, "sbc咖啡")


def test_context_words_count_only_with_their_required_rules(detector: Detector) -> None:
    assert rules_of(detector, "麻烦备注一下") == set()
    assert "invite_context" in rules_of(detector, "加我微信 备注 护肤")


# -- the statistical layer -------------------------------------------------------------------------------
def test_the_model_flags_promotional_language_without_any_listed_word(detector: Detector) -> None:
    text = "美丽的女士您好！我们店又做活动啦！九折的打五折，五折的打三折，特惠多多，有空过来转转啊！祝开心每一天！"
    verdict = detector.judge_text(text)
    model = [e for e in verdict.evidence if e.rule == "model"]
    assert model and model[0].weight >= 1 and "主要依据" in model[0].note
    assert model[0].matched.startswith("p=")


def test_short_messages_are_not_given_to_the_model(detector: Detector) -> None:
    assert "model" not in rules_of(detector, "特惠多多")


# -- message types and exemptions ------------------------------------------------------------------------
@pytest.mark.parametrize("msgtype", ["card", "weapp", "miniprogram", "redpacket", "external_redpacket"])
def test_cards_mini_programs_and_red_packets_from_customers(detector: Detector, msgtype: str) -> None:
    verdict = detector.judge(Message("", msgtype=msgtype, sender="wm_customer"))
    assert verdict.violation and verdict.rule == f"msgtype_{msgtype}"


def test_staff_and_allowlisted_members_are_exempt(detector: Detector) -> None:
    for role in (Role.STAFF, Role.ALLOWLISTED):
        verdict = detector.judge(Message("加V：abc12345", msgtype="card", role=role))
        assert not verdict.violation and verdict.exempt and verdict.evidence == ()
    from dataclasses import replace
    spec = detector.spec.model_copy(update={"exempt": detector.spec.exempt.model_copy(update={"members": ["wm_kol"]})})
    trusting = Detector(replace(detector.content, spec=spec))
    assert trusting.judge(Message("加V：abc12345", sender="wm_kol")).exempt
    assert trusting.judge(Message("加V：abc12345", sender="wm_other")).violation


def test_brand_mini_programs_and_brand_links_are_fine(detector: Detector) -> None:
    from dataclasses import replace
    weapp = detector.spec.msgtypes["weapp"].model_copy(update={"allow_appids": ["wx_brand"]})
    spec = detector.spec.model_copy(update={"msgtypes": {**detector.spec.msgtypes, "weapp": weapp}})
    brand = Detector(replace(detector.content, spec=spec))
    assert not brand.judge(Message("", msgtype="weapp", appid="wx_brand")).violation
    assert brand.judge(Message("", msgtype="weapp", appid="wx_other")).violation
    assert not detector.judge(Message("新品", msgtype="link", url="https://shop.example.com/p/1")).violation
    assert detector.judge(Message("新品", msgtype="link", url="https://other.cn/p/1")).violation
    assert not detector.judge(Message("", msgtype="image")).violation


# -- the verdict -----------------------------------------------------------------------------------------
def test_a_verdict_explains_the_evidence_and_the_normalisation(detector: Detector) -> None:
    verdict = detector.judge_text("有需要的加我威信 w x 1 2 3 4 5 6")
    assert verdict.violation and verdict.rule == "contact_id" and verdict.score >= verdict.threshold
    handle = next(e for e in verdict.evidence if e.rule == "contact_id")
    assert handle.original == "威信 w x 1 2 3 4 5 6"
    assert "威信→微信" in handle.note and "数字还原(逐位分隔)" in handle.note
    text = verdict.explain()
    assert "contact_id" in text and "威信→微信" in text
    data = verdict.to_json()
    assert data["violation"] is True and data["category"] == "contact" and data["action"] == "warn"
    assert data["evidence"][0]["rule"]


def test_a_clean_message_has_no_rule_and_no_category(detector: Detector) -> None:
    verdict = detector.judge_text("这款面霜适合油皮吗？")
    assert (verdict.violation, verdict.rule, verdict.category, verdict.action) == (False, None, None, None)
    assert verdict.explain() == "没有发现违规迹象"


def test_below_the_threshold_the_evidence_is_kept_but_nothing_decided(detector: Detector) -> None:
    verdict = detector.judge_text("我现在做兼职，晚上才有空看群")
    assert not verdict.violation and verdict.rule is None
    assert [e.matched for e in verdict.evidence] == ["兼职"]


@pytest.mark.parametrize("text", ["", " ", "😀😀😀", "\x00\x01\x02", "a" * 5000, "加" * 3000,
                                  "\ud800 broken surrogate", "１" * 200, "\u202e加V\u202c：abc12345"])
def test_odd_input_always_gets_a_verdict(detector: Detector, text: str) -> None:
    verdict = detector.judge_text(text)
    assert isinstance(verdict.violation, bool)
    verdict.to_json()


def test_normalisation_keeps_the_way_back_to_the_original() -> None:
    normalizer = TextNormalizer({"➕": "加"}, {"v": "微信"}, {"威信": "微信"})
    folded = normalizer.fold("请➕ V：abc 或 威 信")
    assert folded.compact == "请加微信abc或微信"
    start = folded.compact.index("微信")
    assert folded.quote(start, start + 2) == "V"
    last = folded.compact.rindex("微信")
    assert folded.quote(last, last + 2) == "威 信"
    assert "威信→微信" in folded.how(*folded.span(last, last + 2))
    assert normalizer.fold("V领的还是圆领").compact == "v领的还是圆领"  # not a stand-alone token
