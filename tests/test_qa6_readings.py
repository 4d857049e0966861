"""QA round 6's misreadings, on their own (the conversations are in flows/tests/qa6_readings.yaml): a typo correction
that turned plain Chinese into a skin claim, skin answers taken as names."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.machine import SAID, Step
from bot.engine.session import Session
from bot.profile.model import Profile
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
UNDERSTANDING = CONTENT.understanding


@pytest.mark.parametrize("said", ["脸又红又痒", "用完脸又红又痒", "脸又泛红了", "越用越油", "最近脸也红"])
def test_an_adverb_or_a_frame_is_never_read_as_a_typo(said: str) -> None:
    result = UNDERSTANDING.understand(said)
    assert "脸油" not in result.heard and not result.reason.startswith("读成"), result.reason


@pytest.mark.parametrize(("typed", "meant"), [("敏敢肌可以用吗", "敏感肌"), ("什么时候发或", "发货"), ("怎么推货", "退货"),
                                              ("脸颊老是泛洪", "泛红")])  # 泛洪 is in jieba, seen twice (QA round 11)
def test_real_typos_are_still_heard(typed: str, meant: str) -> None:
    assert meant in UNDERSTANDING.understand(typed).heard


@pytest.mark.parametrize("said", ["脸又红又痒", "用完脸又红又痒"])
def test_the_allergy_answer_answers_red_and_itchy(said: str) -> None:
    assert UNDERSTANDING.understand(said).answers == ["allergy_after_use"]


def asked_name(said: str) -> str | None:
    """What the icebreak's `name` rule (the flow's words and the knowledge's, then names.py) takes as her name."""
    step = Step(session=Session(), profile=Profile(customer="wm"), result=UNDERSTANDING.understand(said),
                apply=lambda effects: None, enter=lambda flow, state: None, choose=lambda state, label: None)
    return step.value if CONTENT.flows["icebreak"].fire("ask_name", SAID, step) else None


@pytest.mark.parametrize("said", ["敏感肌 容易红", "毛孔大", "油痘肌", "保湿水", "缺水 脸紧绷", "脸又红又痒", "皮肤很干"])
def test_skin_products_and_sentences_are_no_names(said: str) -> None:
    assert asked_name(said) is None


@pytest.mark.parametrize(("said", "name"), [("小雨", "小雨"), ("糖糖", "糖糖"), ("叫我宝宝", "宝宝"), ("王女士", "王女士"),
                                          ("Lily", "Lily"), ("阿美", "阿美")])
def test_names_are_still_names(said: str, name: str) -> None:
    assert asked_name(said) == name


@pytest.mark.parametrize("said", ["可以吧", "好的呀", "行吧", "嗯嗯", "还行", "好滴"])
def test_a_yes_with_a_particle_after_it_is_a_yes(said: str) -> None:
    assert UNDERSTANDING.understand(said).has_intent("affirm")


@pytest.mark.parametrize("said", ["可以吗", "好吗", "行么"])
def test_a_question_ending_is_no_particle(said: str) -> None:
    assert not UNDERSTANDING.understand(said).has_intent("affirm")


@pytest.mark.parametrize("said", ["都可以", "都行", "随便", "无所谓"])
def test_no_preference_at_a_choice_skips_the_question(said: str) -> None:
    from bot.engine.flows import UNKNOWN_OPTION

    goal = CONTENT.flows["survey"].options["goal"]
    assert goal.choose(UNDERSTANDING.normalize(said)) == UNKNOWN_OPTION
    assert goal.choose(UNDERSTANDING.normalize("随便看看")) == "随便看看"  # an option's own words come first
