"""The `pain` weight of knowledge/policy.yaml decides what a message does, through the real engine.

A returning customer whose concern the survey already knows (痘痘) and who has no other evidence writes an
urgent message. With a pain word (爆痘: urgent 2 + pain 1 = 3 ≥ need.recommend) the policy takes the urgent
branch and recommends at once; the same message without the pain word (urgent 2 < 3) is held back; and the
same pain message with `pain: {weight: 0}` is held back too — so the weight, read from the policy file, is
what tips it, not the word alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.engine.library import Library
from bot.store.base import Store
from bot.tools.simulator import Simulator

ROOT = Path(__file__).resolve().parent.parent
MORNING = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai
DAY = 86400.0
WITH_PAIN = "急 脸上又爆痘了"
WITHOUT_PAIN = "急 脸上又不舒服了"


async def returning_customer(library: Library, store: Store, customer: str) -> Simulator:
    """Second session, concern known from the survey (no evidence from it), nothing else on record."""
    sim = Simulator(library, store=store, start=MORNING, customer=customer)
    async with sim.engine.profiles.edit(customer) as profile:
        profile.set_answer(library.current.codebook, "concern", "3", "survey")
        profile.sessions, profile.first_seen, profile.last_seen = 1, MORNING - DAY, MORNING - DAY
    return sim


async def decided(library: Library, store: Store, customer: str, said: str) -> tuple[dict[str, object], list[str]]:
    sim = await returning_customer(library, store, customer)
    since = len(sim.events)
    replies = await sim.say(said)
    decisions = await sim.decisions(since)
    assert len(decisions) == 1, decisions
    return decisions[0], [m.label for m in replies]


@pytest.fixture
def painless(tmp_path: Path) -> Library:
    """The bundled content with `pain: {weight: 0}`."""
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, root / folder)
    policy = root / "knowledge" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "  pain:    {weight: 1}" in text
    policy.write_text(text.replace("  pain:    {weight: 1}", "  pain:    {weight: 0}"), encoding="utf-8")
    return Library.load(root)


async def test_a_pain_word_tips_an_urgent_message_into_a_recommendation(store: Store, painless: Library) -> None:
    bundled = Library.load(ROOT)
    assert bundled.current.policy.weight("pain") == 1 and bundled.current.policy.need.recommend == 3

    decision, replies = await decided(bundled, store, "wmPain", WITH_PAIN)
    assert decision["action"] == "recommend" and decision["need"] == 3
    assert any("很急" in str(reason) for reason in decision["reasons"])  # the urgent branch
    assert ["pain", 1.0, "爆痘→痘痘"] in decision["evidence"]  # type: ignore[operator]
    assert "recommend.offer" in replies and "card:clear_serum" in replies

    decision, replies = await decided(bundled, store, "wmNoPain", WITHOUT_PAIN)
    assert decision["action"] == "hold" and decision["need"] == 2
    assert not any(label.startswith(("recommend.", "card:")) for label in replies)

    decision, replies = await decided(painless, store, "wmWeightless", WITH_PAIN)
    assert decision["action"] == "hold" and decision["need"] == 2  # the word is there; its weight is 0
    assert any("需求分 2 < 3" in str(reason) for reason in decision["reasons"])
    assert not any(label.startswith(("recommend.", "card:")) for label in replies)
