"""The schema of a conversation test file (flows/tests/*.yaml; bot/tools/convtest.py runs it, docs/authoring.md
"对话测试" shows every field)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from bot.content.durations import seconds
from bot.content.schema import Strict

EVENTS = r"^(welcome|welcome_plain|enter_session|enter_from_welcome|handback|purchase|delete)$"


class TestStep(Strict):
    say: str | None = None
    burst: list[str] | None = None  # messages typed within the burst window, answered as one turn
    event: str | None = Field(None, pattern=EVENTS)
    first: str | None = None  # with event enter_session: what she writes at once, before the welcome is decided
    wait: str | None = None
    send: str | None = Field(None, pattern=r"^(image|voice|video|file|sticker|link)$")
    expect: list[str] | None = None
    state: str | None = None
    tags: list[str] | None = None
    slots: dict[str, Any] | None = None
    handover: bool | None = None
    followup: str | None = None
    sent_between: str | None = Field(None, pattern=r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
    decision: str | None = Field(None, pattern=r"^(recommend|ask_first|light|hold|none)$")
    why: list[str] | None = None
    evidence: list[str] | None = None
    codes: dict[str, str | None] | None = None
    profile: dict[str, Any] | None = None

    @field_validator("why", "evidence", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("expect", "why")
    @classmethod
    def _patterns(cls, value: list[str] | None) -> list[str] | None:
        for item in value or []:
            if item.startswith("~"):
                try:
                    re.compile(item[1:])
                except re.error as error:  # said when the file is read, not as a crash in the middle of a run
                    raise ValueError(f"“{item}” 不是能用的正则（第 {(error.pos or 0) + 2} 个字附近）：括号 ( [ {{ "
                                     "要配对；要找这些符号本身，在前面加 \\") from None
        return value

    @field_validator("codes", mode="before")
    @classmethod
    def _codes(cls, value: Any) -> Any:
        return {k: None if v is None else str(v) for k, v in value.items()} if isinstance(value, dict) else value

    @field_validator("say", "first", "wait", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @field_validator("burst", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return [cls._text(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _one_action(self) -> TestStep:
        if sum(x is not None for x in (self.say, self.burst, self.event, self.wait, self.send)) != 1:
            raise ValueError("每一步写且只写一个动作：say / burst / event / wait / send")
        if self.wait is not None:
            seconds(self.wait)
        if self.first is not None and self.event not in ("enter_session", "enter_from_welcome"):
            raise ValueError("first 只能和 event: enter_session（或 enter_from_welcome）写在同一步："
                             "顾客打开客服就先说的话")
        return self


class TestCase(Strict):
    name: str
    channel: str = ""
    steps: list[TestStep] = Field(min_length=1)


class TestFile(Strict):
    tests: list[TestCase] = Field(min_length=1)
