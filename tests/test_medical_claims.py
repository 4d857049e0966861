"""siyu check refuses a medical claim in anything the bot says (persona/rules.yaml `medical_claims`; QA round 12):
a cosmetic may not say it cures or reduces inflammation, while telling her to see a doctor stays allowed."""

from __future__ import annotations

from bot.engine.persona import Rules, lint_text

RULES = Rules(medical_claims=["治好", "消炎", "医生都推荐"])


def test_a_claim_to_cure_is_refused() -> None:
    problems = lint_text("坚持用一周就能治好痘痘、消炎祛痘印，皮肤科医生都推荐～", RULES, [])
    assert [p.split("”")[0] for p in problems] == ["医疗用语 “治好", "医疗用语 “消炎", "医疗用语 “医生都推荐"]


def test_sending_her_to_a_doctor_is_no_claim() -> None:
    assert lint_text("红肿不退的话尽快去皮肤科，拿不准先问问医生～", RULES, []) == []
