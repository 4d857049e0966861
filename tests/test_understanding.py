"""The understanding layer on the bundled knowledge: quality pinned, bad input handled, content checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content.source import ContentError
from bot.understanding.evaluation import LabelledSet, evaluate, labelled_sets
from bot.understanding.knowledge import load_knowledge
from bot.understanding.matcher import Decision, Understanding
from bot.understanding.normalize import Normalizer
from tests.cli_kit import run_siyu
from tests.content_cache import bundled_understanding

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "knowledge" / "tests" / "eval.yaml"
HELD_OUT = ROOT / "knowledge" / "tests" / "heldout.yaml"
FRESH = ROOT / "knowledge" / "tests" / "fresh.yaml"
BLIND = ROOT / "knowledge" / "tests" / "blind.yaml"
BLIND2 = ROOT / "knowledge" / "tests" / "blind2.yaml"
BLIND3 = ROOT / "knowledge" / "tests" / "blind3.yaml"
BLIND4 = ROOT / "knowledge" / "tests" / "blind4.yaml"
BLIND5 = ROOT / "knowledge" / "tests" / "blind5.yaml"
BLIND6 = ROOT / "knowledge" / "tests" / "blind6.yaml"
BLIND7 = ROOT / "knowledge" / "tests" / "blind7.yaml"
BLIND8 = ROOT / "knowledge" / "tests" / "blind8.yaml"
UNDERSTANDING = bundled_understanding()


def test_labelled_sets_are_big_enough_and_cover_every_entry() -> None:
    tune, held = LabelledSet.load(EVAL), LabelledSet.load(HELD_OUT)
    assert len(tune) >= 300 and len(tune.out_of_scope) >= 60
    assert len(held) >= 150 and len(held.out_of_scope) >= 30
    known = {entry.id for entry in UNDERSTANDING.knowledge.faq}
    for labelled in (tune, held):
        assert {expected for _, expected in labelled.in_scope} <= known
    asked = {expected for _, expected in tune.in_scope}
    # every entry is asked about in customers' words — but those reached through their intents (`follows`,
    # engine/followup.py and engine/urgent.py), which have one phrasing and no keyword so that no other phrasing's score
    # moves: used_while_pregnant, refund_late, swallowed, in_eye … (the conversations are in flows/tests/qa10_readings.yaml,
    # qa12_aftersales.yaml and qa14_safety.yaml), not by the matcher
    by_intent = {e.id for e in UNDERSTANDING.knowledge.faq if e.follows and len(e.questions) == 1 and not e.keywords}
    assert {"used_while_pregnant", "refund_late", "swallowed"} <= by_intent
    # and the one the policy answers a minor who writes about herself with (minors.me_answer: teen_use, QA round 16):
    # 我今年初二 is read as kids_use by the matcher and said to her by engine/minors.py
    policy = yaml.safe_load((ROOT / "knowledge" / "policy.yaml").read_text(encoding="utf-8"))
    by_policy = {policy["minors"]["me_answer"]}
    assert known - asked <= {"refund_how"} | by_intent | by_policy, known - asked


def test_no_labelled_question_is_a_faq_phrasing() -> None:
    phrasings = {UNDERSTANDING.normalize(q) for entry in UNDERSTANDING.knowledge.faq for q in entry.questions}
    for labelled in (LabelledSet.load(EVAL), LabelledSet.load(HELD_OUT), LabelledSet.load(FRESH),
                     LabelledSet.load(BLIND), LabelledSet.load(BLIND2), LabelledSet.load(BLIND3),
                     LabelledSet.load(BLIND4), LabelledSet.load(BLIND5), LabelledSet.load(BLIND6)):
        queries = [q for q, _ in labelled.in_scope] + labelled.out_of_scope + [q for q, _ in labelled.several]
        assert not [q for q in queries if UNDERSTANDING.normalize(q) in phrasings]


def test_held_out_questions_are_not_in_the_tuning_set() -> None:
    tune = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(EVAL).in_scope}
    held = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(HELD_OUT).in_scope}
    fresh = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(FRESH).in_scope}
    blind = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(BLIND).in_scope}
    blind2 = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(BLIND2).in_scope}
    blind3 = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(BLIND3).in_scope}
    blind4 = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(BLIND4).in_scope}
    blind5 = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(BLIND5).in_scope}
    blind6 = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(BLIND6).in_scope}
    blind7 = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(BLIND7).in_scope}
    blind8 = {UNDERSTANDING.normalize(q) for q, _ in LabelledSet.load(BLIND8).in_scope}
    sets = [tune, held, fresh, blind, blind2, blind3, blind4, blind5, blind6, blind7, blind8]
    assert not any(a & b for i, a in enumerate(sets) for b in sets[i + 1:])


def test_quality_holds_on_the_tuning_and_held_out_sets() -> None:
    """Floors a little under what docs/benchmarks.md records, so that a regression fails here."""
    tune = evaluate(UNDERSTANDING.understand, LabelledSet.load(EVAL))
    assert tune.top1_accuracy >= 0.80 and tune.false_answer_rate <= 0.03, tune.table()
    held = evaluate(UNDERSTANDING.understand, LabelledSet.load(HELD_OUT))
    assert held.top1_accuracy >= 0.82 and held.false_answer_rate <= 0.04, held.table()
    assert held.wrong_answers <= 2, held.failures
    fresh = evaluate(UNDERSTANDING.understand, LabelledSet.load(FRESH))
    assert fresh.top1_accuracy >= 0.62 and fresh.false_answer_rate <= 0.03, fresh.table()
    blind = evaluate(UNDERSTANDING.understand, LabelledSet.load(BLIND))
    assert blind.top1_accuracy >= 0.46 and blind.false_answer_rate <= 0.03, blind.table()
    blind2 = evaluate(UNDERSTANDING.understand, LabelledSet.load(BLIND2))
    assert blind2.top1_accuracy >= 0.48 and blind2.false_answer_rate <= 0.08, blind2.table()
    blind3 = evaluate(UNDERSTANDING.understand, LabelledSet.load(BLIND3))  # its first reading: 65.7% / 16.7% false
    assert blind3.top1_accuracy >= 0.62 and blind3.false_answer_rate <= 0.19, blind3.table()
    blind4 = evaluate(UNDERSTANDING.understand, LabelledSet.load(BLIND4))  # its first reading: 50.7% / 16.4% false
    assert blind4.top1_accuracy >= 0.47 and blind4.false_answer_rate <= 0.19, blind4.table()
    blind5 = evaluate(UNDERSTANDING.understand, LabelledSet.load(BLIND5))  # its first reading: 76.6% / 6.6% false
    assert blind5.top1_accuracy >= 0.735 and blind5.false_answer_rate <= 0.096, blind5.table()
    blind6 = evaluate(UNDERSTANDING.understand, LabelledSet.load(BLIND6))  # its first reading: 61.6% / 10.8% false
    assert blind6.top1_accuracy >= 0.75 and blind6.false_answer_rate <= 0.13, blind6.table()
    blind7 = evaluate(UNDERSTANDING.understand, LabelledSet.load(BLIND7))  # its first reading: 63.1% / 21.2% false
    assert blind7.top1_accuracy >= 0.61 and blind7.false_answer_rate <= 0.22, blind7.table()
    blind8 = evaluate(UNDERSTANDING.understand, LabelledSet.load(BLIND8))  # its first reading: 60.6% / 9.9% false
    assert blind8.top1_accuracy >= 0.58 and blind8.false_answer_rate <= 0.13, blind8.table()


def test_siyu_eval_prints_both_sets_out_of_the_box() -> None:
    done = run_siyu("eval")  # in this process, as a subprocess would (tests/cli_kit.py)
    done.check_returncode()
    out = done.stdout
    assert "[tune]" in out and "[held-out]" in out and "top-1" in out


def test_siyu_eval_reports_a_missing_or_broken_set(tmp_path: Path) -> None:
    missing = run_siyu("eval", "--set", str(tmp_path / "none.yaml"))
    assert missing.returncode == 1 and "找不到标注集" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("in_scope: [1, 2]\n", encoding="utf-8")
    result = run_siyu("eval", "--set", str(broken))
    assert result.returncode == 1 and f"{broken}:1:" in result.stderr and "in_scope" in result.stderr  # file:line


@pytest.mark.parametrize(("sent", "read"), [("👍", "好的"), ("👍🏻👍🏻", "好的"), ("❤️", "谢谢"), ("🙏🙏", "谢谢"),
                                          ("😂😂😂", "哈哈"), ("🙏 👍", "谢谢")])
def test_a_message_of_only_emoji_is_read_as_the_operators_words(sent: str, read: str) -> None:
    assert UNDERSTANDING.normalize(sent) == UNDERSTANDING.normalize(read)  # 谢谢 normalises to 谢, as typed


def test_emoji_inside_a_sentence_are_not_replaced() -> None:
    assert UNDERSTANDING.normalize("这个精华👍") == "这个精华"
    assert UNDERSTANDING.normalize("🐳") == ""  # not in the table: nothing, as before


@pytest.mark.parametrize(("sent", "read"), [("你们一般多久发货啊[捂脸]", "你们一般多久发货啊"), ("好的[Facepalm]", "好的"),
                                          ("[强]", "好的"), ("[抱拳][抱拳]", "谢谢"), ("[旺柴]", ""),
                                          ("我的[订单号]", "我的订单号"), ("[]", ""), ("[1234]", "1234")])
def test_wechat_stickers_are_faces_not_words(sent: str, read: str) -> None:
    """WeChat sends its own stickers as their names in brackets: [捂脸] is no 脸 to match (blind7's first reading)."""
    assert UNDERSTANDING.normalize(sent) == UNDERSTANDING.normalize(read)
    assert UNDERSTANDING.understand("你们一般多久发货啊[捂脸]").answers == ["shipping_time"]


def test_labelled_sets_ship_with_the_content() -> None:
    assert [name for name, _ in labelled_sets(ROOT)] == ["tune", "held-out", "fresh", "blind", "blind2", "blind3",
                                                             "blind4", "blind5", "blind6", "blind7", "blind8"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"share/siyu-bot/knowledge/tests" = ["knowledge/tests/*.yaml"]' in pyproject


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("請問發貨要多久？", "请问发货要多久"),  # traditional → simplified, punctuation
        ("ＳＦ　包邮吗", "顺丰包邮吗"),  # full width, variants
        ("好好好好好的", "好的"),  # repeated characters
        ("预算100以内 双11", "预算100以内双11"),  # but not repeated digits: 100 stays 100
        ("加我vx", "加我微信"),  # obfuscations
        ("退款😭😭到了吗!!!", "退款到了吗"),  # emoji
        ("", ""),
    ],
)
def test_one_normalisation_for_content_and_input(raw: str, normalized: str) -> None:
    assert UNDERSTANDING.normalize(raw) == normalized


def test_messy_questions_are_understood() -> None:
    for text, expected in [("請問發貨要多久？", "shipping_time"), ("包邮吗亲😊😊", "shipping_fee"),
                           ("退货怎么退啊啊啊", "return_policy")]:
        result = UNDERSTANDING.understand(text)
        assert result.decision is Decision.ANSWER and result.answers == [expected], (text, result.reason)


def test_several_questions_in_one_message_are_all_answered() -> None:
    result = UNDERSTANDING.understand("包邮吗？支持七天无理由退货吗")
    assert set(result.answers) == {"shipping_fee", "return_policy"}


def test_the_api_returns_intents_candidates_scores_and_normalised_text() -> None:
    result = UNDERSTANDING.understand("别推了，转人工")
    assert result.has_intent("opt_out") and result.has_intent("ask_human")
    result = UNDERSTANDING.understand("满多少包邮")
    assert result.normalized == "满多少包邮"
    assert result.candidates[0].entry == "shipping_fee" and result.candidates[0].score >= 67
    assert "包邮" in result.candidates[0].evidence  # an operator keyword jieba only knows as 包 + 邮 stays whole
    assert result.reason


@pytest.mark.parametrize("text", ["", " ", "😀🎉🌸", "？？？！！！", "\x00\x01\x1b[31m", "a" * 5000,
                                  "我想问" * 1700, "hello 请问 coupon 怎么用 thanks", "\u200b\u200d\ufeff"])
def test_bad_input_gets_a_decision_never_an_exception(text: str) -> None:
    result = UNDERSTANDING.understand(text)
    assert result.decision in (Decision.ANSWER, Decision.CLARIFY, Decision.MISS)
    assert result.reason


def test_two_close_candidates_ask_which_one() -> None:
    knowledge = load_knowledge(ROOT / "knowledge")
    understanding = Understanding(knowledge.model_copy(update={
        "thresholds": knowledge.thresholds.model_copy(update={"clarify_margin": 100})}))
    result = understanding.understand("发货要等多久")
    assert result.decision is Decision.CLARIFY and len(result.answers) == 2
    # a keyword of the lead that the other never says settles it (多久发货 is shipping_time's keyword): settling.py
    assert understanding.understand("多久发货").answers == ["shipping_time"]


def test_thresholds_are_per_knowledge_base(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    matching = folder / "matching.yaml"
    matching.write_text(matching.read_text(encoding="utf-8").replace("hit: 64", "hit: 99"), encoding="utf-8")
    strict = Understanding(load_knowledge(folder))
    assert strict.thresholds.hit == 99
    assert strict.understand("大概几天发货啊我等着用").decision is Decision.MISS
    assert UNDERSTANDING.understand("大概几天发货啊我等着用").decision is Decision.ANSWER


def test_invalid_knowledge_is_reported_with_lines_and_never_half_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", folder)
    faq = folder / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text.replace("  - id: shipping_time", "  - id: shipping_courier", 1), encoding="utf-8")
    products = folder / "products.yaml"
    products.write_text(products.read_text(encoding="utf-8").replace("    pitch: ", "    pitchh: ", 1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_knowledge(folder, tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith("knowledge/faq.yaml:") and "重复" in m for m in messages), messages
    assert any(m.startswith("knowledge/products.yaml:") for m in messages), messages


def test_normalizer_variants_come_from_content() -> None:
    assert Normalizer({"威信": "微信"})("加威信") == "加微信"


def test_an_intents_unless_words_cancel_its_keywords_not_its_examples() -> None:
    knowledge = UNDERSTANDING.knowledge
    intents = dict(knowledge.intents)
    intents["opt_out"] = intents["opt_out"].model_copy(update={"keywords": ["别推"], "unless": ["太贵"],
                                                               "examples": ["别推太贵"]})
    understanding = Understanding(knowledge.model_copy(update={"intents": intents}))
    assert understanding.understand("别推了").has_intent("opt_out")
    assert not understanding.understand("别推荐太贵的，我是学生").has_intent("opt_out")
    assert understanding.understand("别推太贵").has_intent("opt_out")  # an example is the whole message
    assert not UNDERSTANDING.understand("痘痘烦死了").has_intent("opt_out")  # venting, in the sample


def test_siyu_eval_failures_never_lists_the_blind_sets_lines() -> None:
    done = run_siyu("eval", "--failures")
    done.check_returncode()
    out = done.stdout
    assert "盲测集" in out
    blind = LabelledSet.load(BLIND2)
    assert not [q for q, _ in blind.in_scope + [(q, "") for q in blind.out_of_scope] if q in out]
    blind = LabelledSet.load(BLIND3)
    assert not [q for q, _ in blind.in_scope + [(q, "") for q in blind.out_of_scope] if q in out]


def test_siyu_eval_failures_hides_a_blind_set_named_by_its_file() -> None:
    done = run_siyu("eval", "--set", str(BLIND5), "--failures")
    done.check_returncode()
    out = done.stdout
    assert "blind5 是盲测集" in out
    blind = LabelledSet.load(BLIND5)
    assert not [q for q in [q for q, _ in blind.in_scope] + blind.out_of_scope if q in out]


@pytest.mark.parametrize("asked", ["满减可以和优惠券叠加吗", "退款被驳回了 为什么", "礼品卡怎么用"])
def test_a_keyword_does_not_answer_a_kind_of_question_its_entry_is_never_asked(asked: str) -> None:
    """能不能 / 为什么 / 怎么 against an entry none of whose phrasings asks that (blind4's false answers): the
    entry's keyword alone no longer answers it."""
    assert UNDERSTANDING.understand(asked).decision is Decision.MISS


def test_the_same_keyword_still_answers_the_kinds_its_entry_is_asked() -> None:
    assert UNDERSTANDING.understand("有优惠券吗").answers == ["coupon_how"]
    assert UNDERSTANDING.understand("优惠卷在哪里领").answers == ["coupon_how"]
    assert UNDERSTANDING.understand("退款怎么申请").answers == ["refund_how"]


def test_a_message_of_one_common_word_finds_the_phrasings_that_fit_it_best() -> None:
    """一瓶能用多久 has one word (用, in a hundred phrasings) besides its kinds: the shortlist was the first 32
    phrasings in file order, so the keyword 能用多久 further down was never scored (blind7)."""
    result = UNDERSTANDING.understand("一瓶能用多久")
    assert "bottle_lasts" in [c.entry for c in result.candidates[:2]], result.reason


def test_connectives_carry_no_topic() -> None:
    assert UNDERSTANDING.understand("另外我还想开个发票").answers == ["invoice"]


def test_an_elliptical_clause_is_read_with_the_topic_of_the_clause_before() -> None:
    """积分怎么攒啊 会不会过期: 过期 alone is the product shelf life; after a points question it is the points'."""
    assert UNDERSTANDING.understand("积分怎么攒啊 会不会过期").answers == ["points_earn", "points_expire"]
    assert UNDERSTANDING.understand("会不会过期").answers == ["shelf_life"]
    # a clause that the topic only drowns keeps its own reading: 防晒 + pa几个 is not the sunscreen answer
    assert UNDERSTANDING.understand("你们防晒spf多少 PA几个+").answers == ["our_sunscreen", "sunscreen_numbers"]


def test_every_shipped_set_is_headed_by_what_it_is_for() -> None:
    """`siyu eval` printed [blind5] with no line saying what it is for (a clean-clone trial, thirteenth session)."""
    from bot.understanding.evaluation import SET_MEANINGS

    assert {name for name, _ in labelled_sets(ROOT)} <= set(SET_MEANINGS)


def test_siyu_eval_set_on_a_shipped_set_keeps_its_name_and_meaning() -> None:
    done = run_siyu("eval", "--set", str(BLIND8))  # trial15b: it was headed [labelled], losing "数字会偏高"
    done.check_returncode()
    assert "[blind8] 开发集" in done.stdout, done.stdout
