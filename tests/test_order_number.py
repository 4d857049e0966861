"""An order number she gives (QA round 11, dialogue finding 3): what counts as one (matching.yaml `order_numbers`), and a
`check` naming an FAQ entry that does not exist is reported by siyu check. The conversations are in
flows/tests/qa11_dialogue.yaml (siyu test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from bot.engine.order_number import found, only_gives
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
SPEC = CONTENT.understanding.knowledge.order_numbers


@pytest.mark.parametrize(("text", "number"), [
    ("单号是 SY20261120001", "SY20261120001"),
    ("我的订单号：sy20261120001 怎么还没到", "SY20261120001"),
    ("订单编号 2026112612345", "2026112612345"),
    ("ＳＹ２０２６１１２０００１", "SY20261120001"),   # full-width, as some keyboards type it
    ("2026112612345", "2026112612345"),               # only the number
    ("SY20261120001 还没发货", "SY20261120001"),
    ("买了3瓶 一共387元", ""),                         # a count and a price are no order number
    ("我在2026年买的", ""),
    ("订单号忘了", ""),
    ("13812345678", ""),                              # a mobile number sent alone is her phone, not an order
    ("订单号 13812345678", "13812345678"),             # … unless she says it is the order number
])
def test_an_order_number_is_found_by_its_cue_its_letters_or_alone(text: str, number: str) -> None:
    assert found(SPEC, text) == number


@pytest.mark.parametrize(("text", "only"), [
    ("单号是 SY20261120001", True),
    ("我的订单号是SY20261120001", True),
    ("SY20261120001", True),
    ("SY20261120001 还没发货", False),
    ("我的订单还没到", False),
])
def test_a_message_that_only_gives_the_number(text: str, only: bool) -> None:
    assert only_gives(SPEC, CONTENT.understanding, text) is only


def test_a_check_naming_no_faq_entry_is_reported(content: Path) -> None:
    faq = content / "knowledge" / "matching.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("check: [order_status]", "check: [order_stats]"),
                   encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content)
    assert any("order_stats" in str(problem) and "order_status" in str(problem)
               for problem in caught.value.problems), caught.value.problems
