"""Personas (persona/*.yaml): who speaks, how, and every sentence she may say.

A message key has several variants; the variant is chosen deterministically from the event (so a
redelivered event says the same thing) and never repeats the one the customer got last time.
Keys resolve by specificity: `key.<channel>`, then `key.<time of day>`, then `key`.
"""

from __future__ import annotations

import re
import string
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import Field, field_validator

from bot.content.schema import Strict

DAYPARTS = (  # (first hour, name), local time
    (5, "morning"),
    (11, "noon"),
    (14, "afternoon"),
    (18, "evening"),
    (23, "night"),
)
BUILTIN_VARIABLES = frozenset({"name", "self", "product", "pitch", "first", "second", "options", "part", "question",
                               "facts", "usable", "order", "since", "days", "window"})
# facts: care.noted (engine/care.py); usable: stage.usable (engine/usable.py); order: engine/order_number.py;
# since, days, window: delivered.within / delivered.past (engine/delivered.py)
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55]")


def daypart(hour: int) -> str:
    name = "night"
    for first, part in DAYPARTS:
        if hour >= first:
            name = part
    return name



class Style(Strict):
    particles: list[str] = []
    emoji: list[str] = []


class PersonaFile(Strict):
    name: str = Field(min_length=1)
    self_name: str = Field(alias="self", min_length=1)
    address: str = Field("", description="how she calls a customer whose name she does not know")
    surname: str = Field("", description="how she calls a customer who gave only her surname (我姓张): "
                                         "{surname} is replaced, e.g. 小{surname}; empty: a surname alone is no name")
    style: Style = Style()
    channels: list[str] = []
    messages: dict[str, list[str]]

    @field_validator("surname")
    @classmethod
    def _surname(cls, value: str) -> str:
        if value and variables_of(value) != {"surname"}:
            raise ValueError("要写成 {surname} 加称呼，比如 小{surname} (write {surname} and a title)")
        return value

    @field_validator("messages")
    @classmethod
    def _variants(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, variants in value.items():
            if not variants or any(not v.strip() for v in variants):
                raise ValueError(f"“{key}” 至少要有一条不是空的说法")
        return value


class Rules(Strict):
    """persona/rules.yaml: what the lint refuses in anything the bot says."""

    max_length: int = Field(200, gt=0)
    hard_sell: list[str] = []
    absolute_claims: list[str] = []
    medical_claims: list[str] = []  # a cosmetic may not claim to treat (治好, 消炎): 《化妆品监督管理条例》
    gendered_titles: list[str] = []  # never in the persona's `surname`: a surname alone tells no gender (张女士)


def variables_of(text: str) -> set[str]:
    """The {placeholders} a message reads; none when its braces do not pair (braces_pair says so)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return set()


def braces_pair(text: str) -> bool:
    try:
        list(string.Formatter().parse(text))
    except ValueError:
        return False
    return True


class _Values:
    """What a message's {placeholders} read, looked up only for the ones it has: the variables, then `self`
    (the persona's own name) when they have none, `name` as the persona's address when they have no name,
    and "" for anything else."""

    __slots__ = ("address", "self_name", "variables")

    def __init__(self, variables: Mapping[str, Any], self_name: str, address: str) -> None:
        self.variables, self.self_name, self.address = variables, self_name, address

    def __getitem__(self, key: str) -> Any:
        if key == "name":
            return self.variables.get("name") or self.address
        try:
            return self.variables[key]
        except KeyError:
            return self.self_name if key == "self" else ""


@dataclass(frozen=True)
class Spoken:
    key: str  # the resolved key, e.g. welcome.live
    index: int
    text: str


class Persona:
    def __init__(self, ident: str, spec: PersonaFile) -> None:
        self.id = ident
        self.spec = spec
        self.messages = spec.messages
        # what has() answers yes to: every key, and every part of one before a dot (intent for intent.price)
        self._known = frozenset(key[:end] for key in self.messages
                                for end in [*(i for i, char in enumerate(key) if char == "."), len(key)])

    def resolve(self, key: str, channel: str, hour: int) -> str | None:
        for candidate in (f"{key}.{channel}" if channel else "", f"{key}.{daypart(hour)}", key):
            if candidate and candidate in self.messages:
                return candidate
        return None

    def by_surname(self, surname: str) -> str | None:
        """张 → 小张 (the persona's `surname`); None when the persona does not say how."""
        return self.spec.surname.format(surname=surname) if self.spec.surname else None

    def has(self, key: str) -> bool:
        """Whether the persona has the key itself or a more specific one (`key.<channel>`, `key.<answer>`)."""
        return key in self._known

    def say(self, key: str, *, seed: str, last: int | None, channel: str, hour: int,
            variables: Mapping[str, Any]) -> Spoken | None:
        resolved = self.resolve(key, channel, hour)
        if resolved is None:
            return None
        variants = self.messages[resolved]
        index = zlib.crc32(f"{seed}/{resolved}".encode()) % len(variants)
        if len(variants) > 1 and index == last:
            index = (index + 1) % len(variants)
        text = variants[index].format_map(_Values(variables, self.spec.self_name, self.spec.address))
        return Spoken(resolved, index, text)


def lint_text(text: str, rules: Rules, palette: Iterable[str]) -> list[str]:
    """What is wrong with one sentence the bot may say (empty when nothing)."""
    problems = []
    rendered_length = len(re.sub(r"\{[^}]*\}", "", text))
    if rendered_length > rules.max_length:
        problems.append(f"太长了：{rendered_length} 字，上限 {rules.max_length} 字")
    for phrase in rules.hard_sell:
        if phrase in text:
            problems.append(f"强推销用语 “{phrase}”：顾客会觉得被催着买")
    for phrase in rules.absolute_claims:
        if phrase in text:
            problems.append(f"绝对化用语 “{phrase}”，广告法不允许")
    for phrase in rules.medical_claims:
        if phrase in text:
            problems.append(f"医疗用语 “{phrase}”：化妆品不能说能治病、消炎（《化妆品监督管理条例》）")
    allowed = set(palette)
    if allowed:
        stray = sorted({e for e in _EMOJI.findall(text) if e not in allowed})
        if stray:
            problems.append(f"表情 {' '.join(stray)} 不在人设的 style.emoji 里")
    return problems
