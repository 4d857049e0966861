"""matching.yaml's `language.english` entries the engine cannot use are refused when the content loads: a blank
key hung every English question with a question mark (the turn never ended), `don't` or `中文` never matched, and
an entry mapping to nothing read `do you ship?` as 「吗」."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.engine.english import in_chinese
from tests.content_kit import problems_after

ENGLISH = "english: {ship: 发货,"


@pytest.mark.parametrize(("entry", "said"), [
    ('"": 发货', "不是英文单词"), ('"  ": 发货', "不是英文单词"), ("don't: 不要", "不是英文单词"),
    ("中文: 中文", "不是英文单词"), ('"?!": 吗', "不是英文单词"), ('refundd: ""', "后面是空的"),
])
def test_an_english_entry_the_engine_cannot_use_is_refused(content: Path, entry: str, said: str) -> None:
    problems = problems_after(content, "knowledge/matching.yaml", ENGLISH, f"english: {{{entry}, ship: 发货,")
    assert any("english" in p and said in p for p in problems), problems


def test_spaces_inside_an_english_phrase_are_read_as_one() -> None:
    assert in_chinese("Do you ship to HONG   KONG?", {"ship": "发货", "hong kong": "香港"}) == "发货香港吗"


async def test_a_blank_entry_reaching_the_engine_does_not_hang_the_turn() -> None:
    def read() -> str:
        return in_chinese("do you ship?", {"ship": "发货", "": "x"})
    said = await asyncio.wait_for(asyncio.to_thread(read), timeout=5)
    assert said == "发货吗"
