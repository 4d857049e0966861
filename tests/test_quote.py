"""The part of the answer just given that answers a follow-up (bot/engine/quote.py)."""

from __future__ import annotations

import pytest

from bot.engine.quote import part_answering
from tests.content_cache import bundled_understanding

UNDERSTANDING = bundled_understanding()
MASK = "补水面膜一周2-3次，每次15分钟左右，敷完轻拍吸收，不用再洗脸～"
RETINOL = "夜间修护精华含0.1%A醇，第一次用建议隔天晚上用、从少量开始建立耐受，白天一定要防晒哦；敏感肌先在耳后试用"


def test_the_clauses_that_say_what_was_asked_are_quoted() -> None:
    assert part_answering(UNDERSTANDING, MASK, "敷完要洗脸吗") == "敷完轻拍吸收，不用再洗脸～"
    # 白天一定要防晒 holds 白天, not whether to use it: the run grows to the clause that says how it is used
    assert part_answering(UNDERSTANDING, RETINOL, "白天能用吗") == "第一次用建议隔天晚上用、从少量开始建立耐受，白天一定要防晒哦"


@pytest.mark.parametrize(("answer", "message"), [
    (MASK, "洗完要敷吗"),  # 洗完, a word she used, is nowhere in the answer: nothing quoted
    (MASK, "哪个牌子好"),  # nothing of it is in the answer
    (MASK, "吗？"),  # nothing asked
    ("敷完轻拍吸收，不用再洗脸～", "敷完要洗脸吗"),  # the whole answer says it: no part to quote
])
def test_no_part_when_the_answer_does_not_say_it_alone(answer: str, message: str) -> None:
    assert part_answering(UNDERSTANDING, answer, message) is None
