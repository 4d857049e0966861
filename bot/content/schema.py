"""What every content file's schema shares: unknown keys are mistakes, and read values never change."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A content model: a key the schema does not know is reported (a typo is never silently ignored), and
    .inf / .nan are not numbers an operator means (a threshold of .inf silently turns a rule off)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)


def non_blank(values: list[str]) -> list[str]:
    """A list of words or phrases, each stripped; an empty one is an operator's mistake."""
    cleaned = [v.strip() for v in values]
    if any(not v for v in cleaned):
        raise ValueError("列表里有一项是空的：删掉它，或者写上内容")
    return cleaned


def filled(value: str | None) -> str | None:
    """What the bot says (an answer, a pitch): written out. `answer: ""` or `answer:` with nothing after it sent an
    empty message, or was read as no answer at all (“answer 和 answer_key 必须且只能写一个”)."""
    if value is None or not value.strip():
        raise ValueError("是空的：写上要说的话（空的会发出一条空消息）；不用这一项就把这一行删掉")
    return value


_ENGLISH = re.compile(r"[A-Za-z0-9]+( [A-Za-z0-9]+)*")


def english_words(table: dict[str, str]) -> dict[str, str]:
    """matching.yaml's `language.english`: each entry words the engine can find in a message (letters and digits,
    any case) that say something in Chinese. A blank key hung the turn for good (engine/english.py), `don't` or
    `中文` never matched, and a blank value read the question as nothing."""
    cleaned: dict[str, str] = {}
    for english, chinese in table.items():
        words = " ".join(str(english).split())
        if not _ENGLISH.fullmatch(words):
            raise ValueError(f"english 的 “{english}” 不是英文单词：只写字母和数字（词之间用空格），"
                             f"撇号、标点和中文在顾客的话里读不到")
        if not str(chinese).strip():
            raise ValueError(f"english 的 “{english}” 后面是空的：写上它的中文（ship: 发货）")
        cleaned[words] = str(chinese).strip()
    return cleaned
