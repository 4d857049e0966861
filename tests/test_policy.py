"""The restraint policy and the profile on their own: decisions, evidence, product choice, the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.policy.choose import choose
from bot.policy.decide import ANSWERED, PERMISSION, Action, decide, may_offer, need_score
from bot.policy.evidence import apply_reading
from bot.policy.journal import KEPT, Journal, describe
from bot.policy.spec import Policy
from bot.profile.codebook import UNKNOWN
from bot.profile.model import Profile
from bot.store.base import Store
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
POLICY, CODEBOOK, PRODUCTS = CONTENT.policy, CONTENT.codebook, CONTENT.understanding.knowledge.products
NOW = 1_767_225_600.0
DAY = 86400.0


def read(profile: Profile, text: str, at: float = NOW) -> list[str]:
    result = CONTENT.understanding.understand(text)
    reading = CONTENT.need.read(result.normalized, [n for n, _ in result.intents], profile, at)
    notes = apply_reading(reading, profile, CODEBOOK, at)
    profile.seen(at, POLICY.session_gap)
    return notes


def returning(**codes: str) -> Profile:
    """A customer in their second session who answered the survey."""
    profile = Profile(customer="wm", sessions=2, first_seen=NOW - 3 * DAY, last_seen=NOW - DAY)
    for question, code in codes.items():
        profile.set_answer(CODEBOOK, question, code, "survey")
    return profile


def with_policy(**budget: object) -> Policy:
    return Policy(POLICY.spec.model_copy(update={"budget": POLICY.spec.budget.model_copy(update=budget)}))


# -- evidence -------------------------------------------------------------------------------------
def test_every_message_is_read_for_need_and_prefills_what_it_reveals() -> None:
    profile = Profile(customer="wm")
    notes = read(profile, "脸上爆痘了 急 有什么推荐")
    kinds = [e[0] for e in profile.evidence]
    assert kinds == ["ask", "urgent", "pain"] and profile.codes == {"concern": "3"}
    assert profile.sources == {"concern": "said"} and profile.tags == ["痘痘"]
    assert any("爆痘" in n for n in notes)
    calm = Profile(customer="wc")
    read(calm, "不急，随便问问，我皮肤容易泛红")
    assert [e[0] for e in calm.evidence] == ["pain"]  # 不急 is not urgency
    assert calm.codes == {"skin": "4", "concern": "4"}  # 泛红 → 敏感肌 and 泛红


def test_the_same_concern_again_counts_once_as_repeated() -> None:
    profile = Profile(customer="wm")
    read(profile, "长痘了")
    read(profile, "闭口好多", NOW + 60)
    read(profile, "又爆痘", NOW + 120)
    assert [e[0] for e in profile.evidence] == ["pain", "pain", "repeat", "pain"]


def test_silence_after_an_offer_counts_against_and_old_evidence_is_forgotten() -> None:
    profile = returning(concern="3")
    profile.record_offer("clear_serum", NOW - 3 * DAY, "proactive")
    profile.last_seen = NOW - 3 * DAY
    read(profile, "在吗")
    assert profile.evidence[-1][0] == "silence" and profile.evidence[-1][1] == -1
    read(profile, "在吗", NOW + 3 * DAY)
    assert [e[0] for e in profile.evidence].count("silence") == 1  # once per unanswered offer
    old = returning(concern="3")
    old.add_evidence("want", 3, NOW - 40 * DAY, "goal=D")
    assert decide(POLICY, CODEBOOK, PRODUCTS, old, NOW).need == 0
    old.add_evidence("pain", 1, NOW - DAY, "长痘→痘痘")
    assert decide(POLICY, CODEBOOK, PRODUCTS, old, NOW).need == need_score(old, NOW, POLICY.forget_after) == 1


def test_a_mention_never_overrides_a_survey_answer_and_nothing_overrides_staff() -> None:
    profile = returning(skin="1")
    read(profile, "最近大油田")
    assert profile.codes["skin"] == "1"
    profile.set_answer(CODEBOOK, "skin", "2", "survey")
    assert profile.codes["skin"] == "2" and profile.tags == ["油皮"]
    profile.staff_changed(CODEBOOK, added=["混合肌"], removed=[])
    assert profile.codes["skin"] == "3" and profile.tags == ["混合肌"] and profile.sources["skin"] == "staff"
    assert profile.set_answer(CODEBOOK, "skin", "1", "survey") and profile.codes["skin"] == "3"
    profile.staff_changed(CODEBOOK, added=[], removed=["混合肌"])
    assert profile.codes["skin"] == UNKNOWN and profile.known("skin")  # not asked again, not re-guessed


# -- decisions ------------------------------------------------------------------------------------
def test_an_ask_is_answered_once_and_the_first_question_comes_first() -> None:
    profile = Profile(customer="wm", sessions=1)
    profile.add_evidence("ask", 3, NOW, "ask_recommendation")
    first = decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW)
    assert first.action is Action.ASK_FIRST and first.question == "concern" and first.asked
    profile.set_answer(CODEBOOK, "concern", "1", "survey")
    second = decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW)
    assert second.action is Action.RECOMMEND and second.product is not None and second.product.id == "hydra_toner"
    profile.relabel_evidence("ask", ANSWERED)  # what the engine does once the ask is answered
    assert decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW).action is Action.HOLD
    stale = Profile(customer="ws", sessions=1)
    stale.add_evidence("ask", 3, NOW - 2 * DAY, "ask_recommendation")
    assert not decide(POLICY, CODEBOOK, PRODUCTS, stale, NOW).asked


def test_proactive_offers_respect_first_session_cooldown_budget_and_need() -> None:
    first = Profile(customer="wm", sessions=1)
    first.set_answer(CODEBOOK, "concern", "3", "survey")
    first.add_evidence("pain", 1, NOW, "长痘→痘痘")
    first.add_evidence("repeat", 1, NOW, "痘痘")
    first.add_evidence("pain", 1, NOW, "爆痘→痘痘")
    held = decide(POLICY, CODEBOOK, PRODUCTS, first, NOW)
    assert held.action is Action.HOLD and "第一次会话" in held.reasons[0]
    assert decide(with_policy(first_session=True), CODEBOOK, PRODUCTS, first, NOW).action is Action.ASK_FIRST
    first.add_evidence("want", 3, NOW, "goal=D")  # the sample marks want first_session: said, it need not wait
    wanted = decide(POLICY, CODEBOOK, PRODUCTS, first, NOW)
    assert wanted.action is Action.ASK_FIRST and any("goal=D" in reason for reason in wanted.reasons)

    weak = returning(concern="3")
    weak.add_evidence("pain", 1, NOW, "长痘→痘痘")
    assert "需求分 1 < 3" in decide(POLICY, CODEBOOK, PRODUCTS, weak, NOW).reasons[-1]

    strong = returning(concern="3")
    strong.add_evidence("want", 3, NOW - DAY, "goal=D")
    permission = decide(POLICY, CODEBOOK, PRODUCTS, strong, NOW)
    assert permission.action is Action.ASK_FIRST and permission.question == PERMISSION
    strong.add_evidence("urgent", 2, NOW, "急")
    assert decide(POLICY, CODEBOOK, PRODUCTS, strong, NOW).action is Action.RECOMMEND

    strong.record_offer("clear_serum", NOW - DAY, "asked")
    strong.record_refusal(NOW - DAY)
    cooling = decide(POLICY, CODEBOOK, PRODUCTS, strong, NOW)
    assert cooling.action is Action.HOLD and "冷却中" in cooling.reasons[0]
    strong.refusals.clear()
    strong.record_offer("bright_serum", NOW - 2 * DAY, "proactive")
    budget = decide(POLICY, CODEBOOK, PRODUCTS, strong, NOW)
    assert budget.action is Action.HOLD and "7d 内已推荐 2 次" in budget.reasons[0]
    later = decide(POLICY, CODEBOOK, PRODUCTS, strong, NOW + 8 * DAY)  # the window passed: not the budget now
    assert not any("内已推荐" in r for r in later.reasons) and "没有合适的商品" in later.reasons[-1]


def test_may_offer_is_the_proactive_question_and_ignores_an_ask() -> None:
    profile = Profile(customer="wm", sessions=1)
    profile.add_evidence("ask", 3, NOW, "ask_recommendation")
    profile.set_answer(CODEBOOK, "concern", "3", "survey")
    assert decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW).action is Action.RECOMMEND
    verdict = may_offer(POLICY, CODEBOOK, PRODUCTS, profile, NOW, trigger="day 7 follow-up")
    assert not verdict.allowed and verdict.trigger == "day 7 follow-up" and not verdict.asked
    profile.opt_out(NOW)
    profile.sessions = 3
    opted = may_offer(POLICY, CODEBOOK, PRODUCTS, profile, NOW)
    assert not opted.allowed and "别推了" in opted.reasons[0]
    asked_anyway = decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW)
    assert asked_anyway.action is Action.RECOMMEND and any("回答一次" in r for r in asked_anyway.reasons)


def test_a_blacklisted_customer_is_offered_nothing_even_when_asking_or_urgent() -> None:
    profile = returning(concern="3")
    profile.add_evidence("want", 3, NOW - DAY, "goal=D")
    profile.add_evidence("urgent", 2, NOW, "急")
    assert decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW).action is Action.RECOMMEND
    listed = "blacklisted: ads in 护肤日常1群"
    proactive = decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW, restrained=listed)
    assert proactive.action is Action.HOLD and not proactive.asked and "客户群黑名单" in proactive.reasons[0]
    assert not may_offer(POLICY, CODEBOOK, PRODUCTS, profile, NOW, restrained=listed).allowed
    profile.add_evidence("ask", 3, NOW, "ask_recommendation")
    asked = decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW, restrained=listed)
    assert asked.action is Action.HOLD and asked.asked and asked.product is None  # answered: nothing fits


def test_a_cold_customer_gets_one_light_mention_then_nothing() -> None:
    profile = returning(concern="3")
    profile.add_evidence("cold", -1, NOW - 60, "cold")
    profile.add_evidence("want", 3, NOW, "goal=D")
    light = decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW)
    assert light.action is Action.LIGHT and light.allowed
    profile.light_at = NOW
    again = decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW + DAY)
    assert again.action is Action.HOLD and "已经轻轻提过" in again.reasons[0]
    profile.add_evidence("ask", 3, NOW + DAY, "ask_recommendation")  # asking is never cold
    assert decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW + DAY).action is Action.RECOMMEND


def test_the_product_fits_the_profile_and_what_was_offered_refused_or_bought_is_left_out() -> None:
    profile = returning(skin="2", concern="3")
    first = choose(POLICY, CODEBOOK, PRODUCTS, profile)
    assert first.product is not None and first.product.id == "clear_serum"
    assert "痘痘（concern +3）" in first.reason and "油皮（skin +2）" in first.reason
    profile.record_purchase("clear_serum", NOW)
    second = choose(POLICY, CODEBOOK, PRODUCTS, profile)
    assert second.product is not None and second.product.id == "fresh_lotion" and "clear_serum" in second.reason
    profile.record_offer("fresh_lotion", NOW, "asked")
    profile.record_refusal(NOW)
    nothing = choose(POLICY, CODEBOOK, PRODUCTS, profile)
    assert nothing.product is None and "没有合适的商品" in nothing.reason and profile.refusals[0][0] == "fresh_lotion"


# -- the record -----------------------------------------------------------------------------------
async def test_the_journal_keeps_the_latest_decisions_newest_first(store: Store) -> None:
    journal = Journal(store)
    profile = returning(concern="3")
    for n in range(KEPT + 5):
        record = {**decide(POLICY, CODEBOOK, PRODUCTS, profile, NOW + n).record(), "event": f"e{n}"}
        await journal.record("wm", [record])
    kept = await journal.read("wm")
    assert len(kept) == KEPT and kept[0]["event"] == f"e{KEPT + 4}"
    lines = describe(kept[0])
    assert lines[0].startswith("不推荐") and any(line.startswith("  因为:") for line in lines)


def test_a_profile_round_trips_and_stays_small() -> None:
    profile = returning(skin="2", concern="3", goal="D")
    for n in range(40):  # a long history: the lists stay capped
        profile.add_evidence("pain", 1, NOW + n, "爆痘→痘痘")
        profile.record_offer("clear_serum", NOW + n, "asked")
        profile.remember(f"kfmsg:{n:032d}")
    profile.staff = {"emp1": ["油皮", "痘痘", "想解决"]}
    raw = profile.to_json()
    assert Profile.from_json(raw) == profile
    assert len(raw.encode()) < 2048
    assert Profile.from_json(json.dumps({**json.loads(raw), "future_field": 1})) == profile


@pytest.mark.parametrize("text", ["", "嗯", "😀"])
def test_empty_or_cold_messages_show_no_need(text: str) -> None:
    profile = Profile(customer="wm")
    read(profile, text)
    assert all(float(e[1]) < 0 for e in profile.evidence)
