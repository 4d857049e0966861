"""The QA round's misreadings, on their own: a kind of product asked for (有没有推荐的防晒), and the restraint policy
around it (engine/sales.py passes the kind; bot/policy/decide.py and choose.py keep every other rule)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.conversation import Outbound
from bot.engine.library import Library
from bot.policy.decide import Action, decide
from bot.profile.model import Profile
from bot.tools.simulator import Simulator
from bot.understanding.naming import ProductNames
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
UNDERSTANDING = CONTENT.understanding
POLICY, CODEBOOK, PRODUCTS = CONTENT.policy, CONTENT.codebook, UNDERSTANDING.knowledge.products
NAMES = ProductNames(PRODUCTS, UNDERSTANDING.normalize)
NOW = 1_767_225_600.0


@pytest.mark.parametrize(("said", "kind"), [
    ("有没有推荐的防晒", ["daily_sunscreen"]),
    ("防晒霜推荐一个", ["daily_sunscreen"]),  # 防晒, the end of 轻透日常防晒, said inside 防晒霜
    ("推荐个精华", ["calm_serum", "clear_serum", "bright_serum", "night_serum"]),
    ("推荐一个修护精华", ["calm_serum", "night_serum"]),  # the longest end said: the two 修护精华
    ("有没有好用的乳液", ["fresh_lotion"]),
    ("控油有什么推荐", []),  # 控油 is inside a name, not its end: a need, not a kind
    ("有什么推荐", []),
])
def test_the_kind_asked_for_is_the_end_of_a_name(said: str, kind: list[str]) -> None:
    assert [p.id for p in NAMES.kind_asked(UNDERSTANDING.normalize(said))] == kind


def asked(**codes: str) -> Profile:
    profile = Profile(customer="wm", sessions=1, first_seen=NOW, last_seen=NOW)
    for question, code in codes.items():
        profile.set_answer(CODEBOOK, question, code, "survey")
    profile.evidence.append(["ask", 3.0, NOW, "ask_recommendation"])
    return profile


def test_a_kind_of_one_is_recommended_without_a_question_first() -> None:
    verdict = decide(POLICY, CODEBOOK, PRODUCTS, asked(), NOW, kind=["daily_sunscreen"])
    assert verdict.action is Action.RECOMMEND and verdict.product is not None
    assert verdict.product.id == "daily_sunscreen"
    plain = decide(POLICY, CODEBOOK, PRODUCTS, asked(), NOW)  # a plain ask still asks her concern first
    assert plain.action is Action.ASK_FIRST and plain.question == "concern"


def test_a_kind_of_several_asks_one_question_then_chooses_within_it() -> None:
    serums = ["calm_serum", "clear_serum", "bright_serum", "night_serum"]
    first = decide(POLICY, CODEBOOK, PRODUCTS, asked(), NOW, kind=serums)
    assert first.action is Action.ASK_FIRST and first.question == "concern"
    dry = decide(POLICY, CODEBOOK, PRODUCTS, asked(concern="1"), NOW, kind=serums)  # 缺水: no serum fits it
    assert dry.action is Action.HOLD and dry.asked  # not the toner, which is no serum
    acne = decide(POLICY, CODEBOOK, PRODUCTS, asked(concern="3"), NOW, kind=serums)
    assert acne.product is not None and acne.product.id == "clear_serum"


def test_the_restraint_rules_still_hold_for_a_kind_asked_for() -> None:
    kind = ["daily_sunscreen"]
    assert decide(POLICY, CODEBOOK, PRODUCTS, asked(), NOW, kind=kind, restrained="群里发广告").action is Action.HOLD
    offered = asked()
    offered.record_offer("daily_sunscreen", NOW - 60, "asked")  # offered before: not again
    assert decide(POLICY, CODEBOOK, PRODUCTS, offered, NOW, kind=kind).action is Action.HOLD
    cheap = asked()
    cheap.budget = [100.0, NOW, "预算100元"]  # the sunscreen costs 119
    over = decide(POLICY, CODEBOOK, PRODUCTS, cheap, NOW, kind=kind)
    assert over.action is Action.HOLD and over.over_budget
    proactive = decide(POLICY, CODEBOOK, PRODUCTS, asked(), NOW, proactive=True, kind=kind)
    assert proactive.action is Action.HOLD  # a kind is only ever part of her own ask


@pytest.mark.parametrize(("said", "shared"), [
    ("修护精华孕妇能用吗", ["calm_serum", "night_serum"]),  # a name two products share
    ("舒缓修护精华孕妇能用吗", []),  # one named
    ("舒缓修护精华和水杨酸精华哪个好", []),  # two compared
    ("精华多少钱", []),  # two characters say no name
])
def test_a_name_several_products_share(said: str, shared: list[str]) -> None:
    assert [p.id for p in NAMES.shared(UNDERSTANDING.normalize(said))] == shared


def without(tmp_path: Path, *keys: str) -> Library:
    """The bundled content with these optional persona keys (and their lines) left out."""
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    persona = tmp_path / "persona" / "xiaowanzi.yaml"
    lines = persona.read_text(encoding="utf-8").splitlines(keepends=True)
    kept: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith("  ") and not line.startswith("    "):
            skipping = any(line.startswith(f"  {key}:") for key in keys)
        if not skipping:
            kept.append(line)
    persona.write_text("".join(kept), encoding="utf-8")
    library = Library.load(tmp_path)
    assert not any(library.current.personas["xiaowanzi"].has(key) for key in keys)
    return library


def labels(messages: list[Outbound]) -> list[str]:
    return [m.label for m in messages]


async def test_without_product_which_every_question_is_answered_for_each_product(tmp_path: Path) -> None:
    sim = Simulator(without(tmp_path, "product.which"), start=NOW)
    said = labels(await sim.say("修护精华孕妇能用吗 多少钱"))
    assert said == ["product:calm_serum#2", "product:calm_serum#1", "product:night_serum#2", "product:night_serum#1"]


async def test_without_faq_unsure_about_an_elided_question_nothing_answers_gets_the_fallback(tmp_path: Path) -> None:
    sim = Simulator(without(tmp_path, "faq.unsure_about"), start=NOW)
    assert labels(await sim.say("孕妇能用吗")) == ["faq:pregnancy_safe"]
    assert labels(await sim.say("那面膜呢")) == ["fallback"]
