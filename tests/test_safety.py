"""QA round 6's harms: a pregnant or nursing customer offered the retinol or salicylic serum, a product she said she
tried and disliked offered again, and 不要推了 said with a question ignored. The stage fact (knowledge/codebook.yaml
`stage`), a product's `avoid_when` (knowledge/products.yaml) and the policy's `disliked` words are content; the
profile keeps what she said (Redis-backed, across conversations)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation import Inbound, InboundKind
from bot.engine.engine import Engine
from bot.engine.library import Library
from bot.policy.choose import to_avoid
from bot.policy.decide import Action, decide, may_offer
from bot.profile.model import Profile
from bot.store.base import Store
from tests.content_cache import bundled_content, bundled_library
from tests.content_kit import edit, problems_after

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
POLICY, CODEBOOK, PRODUCTS = CONTENT.policy, CONTENT.codebook, CONTENT.understanding.knowledge.products
LIBRARY = bundled_library()
NOW = 1_767_225_600.0 + 2 * 3600


def customer(asked: bool = True, **codes: str) -> Profile:
    profile = Profile(customer="wm", sessions=3, first_seen=NOW - 86400 * 9, last_seen=NOW)
    for question, code in codes.items():
        profile.set_answer(CODEBOOK, question, code, "said")
    if asked:
        profile.evidence.append(["ask", 3.0, NOW, "ask_recommendation"])
    return profile


@pytest.mark.parametrize("stage", ["1", "2", "3"])  # 孕期, 哺乳期, 备孕
def test_no_retinol_nor_salicylic_serum_in_her_stage_even_when_it_fits_best(stage: str) -> None:
    for concern, avoided in (("5", "A醇夜间修护精华"), ("3", "水杨酸控痘精华")):
        verdict = decide(POLICY, CODEBOOK, PRODUCTS, customer(concern=concern, stage=stage), NOW)
        assert verdict.action is Action.HOLD and verdict.product is None
        assert verdict.avoided == avoided and verdict.because == CODEBOOK.label("stage", stage)


def test_the_next_product_that_fits_and_is_safe_is_chosen_instead() -> None:
    verdict = decide(POLICY, CODEBOOK, PRODUCTS, customer(concern="3", skin="2", stage="1"), NOW)
    assert verdict.action is Action.RECOMMEND and verdict.product is not None
    assert verdict.product.id == "fresh_lotion" and "clear_serum（孕期不用）" in verdict.fit


def test_no_proactive_offer_and_no_kind_of_one_of_an_avoided_product() -> None:
    pregnant = customer(asked=False, concern="5", stage="1")
    pregnant.evidence += [["urgent", 2.0, NOW, "急"], ["pain", 1.0, NOW, "细纹"]]
    assert may_offer(POLICY, CODEBOOK, PRODUCTS, pregnant, NOW).product is None
    kind = decide(POLICY, CODEBOOK, PRODUCTS, customer(stage="2"), NOW, kind=["night_serum"])
    assert kind.action is Action.HOLD and kind.avoided == "A醇夜间修护精华"


def test_a_gift_for_someone_pregnant_is_chosen_by_their_stage() -> None:
    verdict = decide(POLICY, CODEBOOK, PRODUCTS, customer(), NOW, someone_else={"concern": "5", "stage": "1"})
    assert verdict.action is Action.HOLD and verdict.avoided == "A醇夜间修护精华"
    hers = decide(POLICY, CODEBOOK, PRODUCTS, customer(stage="1"), NOW, someone_else={"concern": "2"})
    assert hers.product is not None  # her own stage does not hold back a gift for someone who is not


def test_a_disliked_product_is_never_chosen_again() -> None:
    profile = customer(concern="3")
    profile.record_dislike("clear_serum", NOW - 60, "用过+刺激")
    verdict = decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW)
    assert verdict.product is None and "clear_serum" in verdict.reasons[-1]
    assert Profile.from_json(profile.to_json()).disliked == profile.disliked


def test_what_her_stage_avoids() -> None:
    assert to_avoid(CODEBOOK, PRODUCTS, customer(stage="2")) == {"clear_serum": "哺乳期", "night_serum": "哺乳期"}
    assert to_avoid(CODEBOOK, PRODUCTS, customer()) == {}


def test_siyu_check_reports_an_unknown_avoid_when_where_it_is_written(content: Path) -> None:
    problems = problems_after(content, "knowledge/products.yaml", "avoid_when: [孕期, 哺乳期, 备孕]   # 含A醇",
                              "avoid_when: [孕期, 哺乳, 备孕]   # 含A醇")
    lines = (ROOT / "knowledge" / "products.yaml").read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "avoid_when: [孕期, 哺乳期, 备孕]   # 含A醇" in text)
    assert any(p.startswith(f"knowledge/products.yaml:{line}:22: night_serum: “哺乳” 不是编码本里的选项或标签")
               and "哺乳期" in p for p in problems), problems


def test_the_stage_is_no_wecom_tag() -> None:
    assert "孕期" not in CODEBOOK.tags and "痘痘" in CODEBOOK.tags


def said(event_id: str, words: str, at: float) -> Inbound:
    return Inbound(event_id, InboundKind.TEXT, "wmP", text=words, at=at)


async def test_her_stage_and_dislikes_are_remembered_in_the_store_across_conversations(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    await engine.respond("kf:wk1:wmP", said("p1", "我现在怀孕了", NOW))
    await engine.respond("kf:wk1:wmP", said("p2", "用过你们的水杨酸 刺激", NOW + 60))
    profile = await engine.profiles.load("wmP")
    assert profile.answered("stage") == "1" and [d[0] for d in profile.disliked] == ["clear_serum"]
    later = Engine(LIBRARY, store, burst_window=0)  # another process, days later
    turn = await later.respond("kf:wk1:wmP", said("p3", "最近长细纹了 有什么推荐", NOW + 3 * 86400))
    assert [m.label for m in turn.messages] == ["recommend.avoided"]
    assert all(not m.attachment for m in turn.messages)


async def test_a_refusal_said_with_a_question_is_kept_and_the_question_answered(store: Store) -> None:
    engine = Engine(LIBRARY, store, burst_window=0)
    await engine.respond("kf:wk1:wmP", said("r1", "长痘 推荐一下", NOW))
    turn = await engine.respond("kf:wk1:wmP", said("r2", "不要推了 我就问下怎么退货", NOW + 60))
    assert [m.label for m in turn.messages] == ["opt_out", "faq:return_policy"]
    assert (await engine.profiles.load("wmP")).opted_out


async def test_advice_to_use_an_avoided_ingredient_is_left_out_in_her_stage(store: Store) -> None:
    """细纹可以用含A醇的夜间修护精华 names the product by a word only its name holds (A醇): for a pregnant customer that
    clause is advice to use it and is left out; the pregnancy answer's own 先不要用 clause is the warning and stays."""
    engine = Engine(LIBRARY, store, burst_window=0)
    await engine.respond("kf:wk1:wmP", said("s1", "我怀孕了", NOW))
    wrinkles = await engine.respond("kf:wk1:wmP", said("s2", "细纹怎么办", NOW + 60))
    assert wrinkles.messages and all("A醇" not in m.text for m in wrinkles.messages), wrinkles.messages
    blackheads = await engine.respond("kf:wk1:wmP", said("s3", "黑头怎么去啊", NOW + 120))
    assert blackheads.messages and all("水杨酸" not in m.text for m in blackheads.messages), blackheads.messages
    warning = await engine.respond("kf:wk1:wmP", said("s4", "孕妇能用A醇吗", NOW + 180))
    assert any("不要用" in m.text for m in warning.messages), warning.messages
    other = Engine(LIBRARY, store, burst_window=0)  # another customer, no stage: the advice is said in full
    turn = await other.respond("kf:wk1:wmT", Inbound("t1", InboundKind.TEXT, "wmT", text="细纹怎么办", at=NOW))
    assert any("A醇" in m.text for m in turn.messages), turn.messages


async def test_the_caution_words_that_keep_a_warning_clause_are_the_contents(store: Store, content: Path) -> None:
    """先停掉A醇 names A醇 but holds back: it stays for a pregnant customer because 停掉 and 先停 are `caution` words of
    knowledge/matching.yaml, not of the code — with them taken out of the content, the same clause is left out."""
    asked = "孕妇用了A醇怎么办 我之前不知道怀孕了"
    engine = Engine(LIBRARY, store, burst_window=0)
    await engine.respond("kf:wk1:wmC", said("c1", "我怀孕了", NOW))
    kept = await engine.respond("kf:wk1:wmC", said("c2", asked, NOW + 60))
    assert any("先停掉A醇" in m.text for m in kept.messages if m.label == "faq:used_while_pregnant"), kept.messages
    edit(content, "knowledge/matching.yaml", "caution: [避开, 避免, 停用, 停掉, 先停,", "caution: [避开, 避免, 停用,")
    other = Engine(Library.load(content), store, burst_window=0)
    await other.respond("kf:wk1:wmD", said("d1", "我怀孕了", NOW))
    cut = await other.respond("kf:wk1:wmD", said("d2", asked, NOW + 60))
    answer = next(m.text for m in cut.messages if m.label == "faq:used_while_pregnant")
    assert "停掉A醇" not in answer and "产检时跟医生说一声" in answer, cut.messages


def test_a_blank_caution_word_is_reported_where_it_is_written(content: Path) -> None:
    problems = problems_after(content, "knowledge/matching.yaml", "caution: [避开,", "caution: [\"\", 避开,")
    line = next(n for n, text in enumerate((content / "knowledge/matching.yaml").read_text(encoding="utf-8")
                                           .splitlines(), 1) if text.startswith("  caution:"))
    assert any(p.startswith(f"knowledge/matching.yaml:{line}:") and "language.caution" in p for p in problems), problems
