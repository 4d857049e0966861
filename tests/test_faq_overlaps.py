"""`siyu check` tells operators about FAQ entries the matcher cannot tell apart, at the phrasing's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.content import load_content
from bot.understanding.overlaps import overlaps
from tests.cli_kit import run_siyu

ROOT = Path(__file__).resolve().parent.parent
TWINS = """  - id: gift_card_use
    questions: [礼品卡怎么用, 礼品卡在哪里用]
    answer: 结算时选“礼品卡”就能抵扣～
  - id: gift_card_how
    questions: [礼品卡要怎么用呀]
    answer: 礼品卡在“我的-卡券”里～
"""


def _add_twins(root: Path) -> int:
    """Two entries whose questions read the same (要, 呀 are filler; 礼品 is 礼物); the line of the first one's questions."""
    faq = root / "knowledge" / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    faq.write_text(text + TWINS, encoding="utf-8")
    return text.count("\n") + 2


def test_two_entries_that_read_the_same_are_one_warning_at_the_phrasing(content: Path) -> None:
    line = _add_twins(content)
    found = [o for o in overlaps(load_content(content).understanding) if "gift_card_use" in (o.entry, o.other)]
    assert len(found) == 1, found  # once per pair, from the first entry in file order
    twin = found[0]
    assert (twin.entry, twin.index, twin.other) == ("gift_card_use", 0, "gift_card_how")
    assert not twin.answered_by_other and twin.score == pytest.approx(twin.other_score)

    out = run_siyu("check", str(content))
    assert out.returncode == 0 and out.stdout.startswith("OK"), out.stderr  # a warning, not an error
    warning = next(w for w in out.stdout.splitlines() if "gift_card_use" in w)
    assert warning.startswith(f"knowledge/faq.yaml:{line}:"), warning
    assert "“礼品卡怎么用”" in warning and "gift_card_how 的 “礼品卡要怎么用呀”" in warning
    assert "二选一" in warning and "礼物、卡、用 [how] / 礼物、卡、用 [how]" in warning, warning


def test_entries_their_own_questions_tell_apart_are_not_warned_about(content: Path) -> None:
    understanding = load_content(content).understanding
    before = {(o.entry, o.other) for o in overlaps(understanding)}
    faq = content / "knowledge" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8") + TWINS.replace("礼品卡要怎么用呀", "礼品卡多少钱一张"),
                   encoding="utf-8")
    after = {(o.entry, o.other) for o in overlaps(load_content(content).understanding)}
    assert after == before  # 多少钱一张 is another question: nothing new to warn about


SHARED = """  - id: shipping_fee_member
    questions: [包邮吗, 会员包邮吗]
    answer: 会员全场包邮哦～
"""


def test_a_phrasing_written_in_two_entries_is_one_warning_at_the_second_naming_the_first(content: Path) -> None:
    faq = content / "knowledge" / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    faq.write_text(text + SHARED, encoding="utf-8")
    line = text.count("\n") + 2
    out = run_siyu("check", str(content))
    assert out.returncode == 0 and out.stdout.startswith("OK"), out.stderr  # a warning, not an error
    warnings = [w for w in out.stdout.splitlines() if "shipping_fee_member" in w]
    assert warnings == [f"knowledge/faq.yaml:{line}:17: 提醒: 问法 “包邮吗” 在 shipping_fee（knowledge/faq.yaml:26:17）"
                        "和 shipping_fee_member 里都写了：顾客照这句问，机器人分不出该答哪一条（请他二选一，或答成另一条）；"
                        "一句问法只写在它该答的那一条里"], out.stdout  # and not also as an overlap of the pair


async def test_the_numbered_choice_between_two_entries_sharing_a_phrasing_reads_differently(content: Path) -> None:
    from bot.engine.library import Library
    from bot.tools.simulator import Simulator

    faq = content / "knowledge" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8") + SHARED, encoding="utf-8")
    simulator = Simulator(Library(load_content(content)))
    said = [m.text for m in await simulator.say("包邮吗")]
    assert said[-1].endswith("\n1. 运费多少\n2. 会员包邮吗"), said  # each entry's own question, not 包邮吗 twice
    assert any("会员全场包邮" in m.text for m in await simulator.say("2"))


def test_entries_sharing_every_phrasing_are_told_apart_by_their_answers(content: Path) -> None:
    from bot.understanding.overlaps import told_apart

    faq = content / "knowledge" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8") + SHARED.replace("[包邮吗, 会员包邮吗]", "[包邮吗, 运费多少]")
                   .replace("shipping_fee_member", "fee_copy"), encoding="utf-8")
    understanding = load_content(content).understanding
    first, second = told_apart(understanding, "shipping_fee", "fee_copy")
    assert first == "满多少包邮" and second == "包邮吗（会员全场包邮哦）", (first, second)
