"""A customer who wants less of the bot (QA round findings 1, 2, 3, 5, 12), on the bundled content.

- a refusal (不买了, 先不买了 谢谢) is never an FAQ answer by the characters it shares with one (不是我买的 is the
  wrong-item after-sales case); what a refusal says besides (瓶子碎了 不要了) is still answered;
- a decision to buy after an offer (好的我去买, 行 我去买) marks the offer accepted, once; a soft no (先不用) marks
  it refused; 行 + 我去买 in one message is one decision, not a yes and then a second reply.
The conversations themselves are in flows/tests/refusals.yaml (siyu test).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.events import CustomerEvent
from bot.tools.simulator import Simulator
from bot.understanding.matcher import Decision
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parent.parent
MORNING = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai
LIBRARY = bundled_library()


@pytest.mark.parametrize("text", ["不买了", "那我不买了", "先不买了 谢谢", "算了 不买了", "不想买了", "我不要了"])
def test_a_refusal_is_no_faq_question(text: str) -> None:
    result = LIBRARY.current.understanding.understand(text)
    assert result.decision is Decision.MISS, result.reason


@pytest.mark.parametrize(("text", "entry"), [("收到的不是我买的", "wrong_item"), ("发来的不是我买的", "wrong_item"),
                                             ("瓶子碎了 不要了", "damaged_item"), ("不用了 包邮吗", "shipping_fee")])
def test_what_a_refusal_says_besides_is_answered(text: str, entry: str) -> None:
    result = LIBRARY.current.understanding.understand(text)
    assert result.decision is Decision.ANSWER and result.answers == [entry], result.reason


async def offered_then(*lines: str) -> tuple[list[str], list[str]]:
    """The funnel events and reply labels after an offer of clear_serum and `lines`."""
    sim = Simulator(LIBRARY, customer="wm_backing_off", start=MORNING)
    names: list[str] = []

    async def listen(event: CustomerEvent) -> None:
        names.append(event.name)

    sim.bus.subscribe(listen)
    first = await sim.say("脸上爆痘了 急 有什么推荐")
    assert "card:clear_serum" in [m.label for m in first]
    said: list[str] = []
    for line in lines:
        said += [m.label for m in await sim.say(line)]
    return names, said


@pytest.mark.parametrize("line", ["好的我去买", "那我买了", "行 我去买", "行 我去拍"])
async def test_a_decision_to_buy_accepts_the_offer(line: str) -> None:
    names, said = await offered_then(line)
    assert said == ["recommend.buying"]
    assert names.count("accepted") == 1 and "refused" not in names


@pytest.mark.parametrize("line", ["先不用", "那我考虑下", "不用啦 谢谢", "先不买了 谢谢"])
async def test_a_soft_no_refuses_the_offer(line: str) -> None:
    names, said = await offered_then(line)
    assert said[0] == "recommend.later"
    assert "refused" in names and "accepted" not in names
