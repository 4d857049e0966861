"""The flow language (flows/*.yaml) as a schema. docs/authoring.md explains it to operators."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from bot.content.durations import Duration
from bot.content.schema import Strict

Scalar = str | int | float | bool
_COMPARISON = re.compile(r"^(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)$")
NAME = r"^[A-Za-z0-9_\-]+$"


def comparison(text: str) -> tuple[str, float] | None:
    match = _COMPARISON.match(text.strip())
    return (match.group(1), float(match.group(2))) if match else None


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value



class When(Strict):
    """Conditions, all of which must hold."""

    tags_any: list[str] = []
    tags_all: list[str] = []
    tags_none: list[str] = []
    slot: dict[str, Scalar] = {}  # equals a value, ">= 2" compares, "set" / "unset" checks presence
    opted_out: bool | None = None
    channel: list[str] = []
    # new: never bought and in her first session; returning: bought before (an order, a purchase tag recorded) or
    # back for another session — new-customer offers are only for new customers (conditions.returning)
    customer: Literal["new", "returning"] | None = None
    score: str | None = None  # how sure the trigger was, e.g. ">= 90"

    _when_lists = field_validator("tags_any", "tags_all", "tags_none", "channel", mode="before")(_as_list)

    @field_validator("score")
    @classmethod
    def _score(cls, value: str | None) -> str | None:
        if value is not None and comparison(value) is None:
            raise ValueError(f"score 写法不对：“{value}”，例如 \">= 90\"")
        return value


class Effects(Strict):
    say: list[str] = []
    set: dict[str, Scalar] = {}
    add: dict[str, int] = {}
    tag: list[str] = []
    untag: list[str] = []
    evidence: list[str] = []  # need evidence this shows (kinds of knowledge/policy.yaml), e.g. refusal
    mark: list[str] = []  # milestones for the funnel and follow-up plans: ice_broken, surveyed, accepted, …

    _effect_lists = field_validator("say", "tag", "untag", "evidence", "mark", mode="before")(_as_list)


class Target(Effects):
    goto: str | None = None
    flow: str | None = None
    end: bool = False
    when: When | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Target:
        if sum((self.goto is not None, self.flow is not None, self.end)) != 1:
            raise ValueError("goto、flow、end 必须且只能写一个")
        return self


TRIGGERS = ("intent", "faq", "keyword", "option", "name", "reveals", "any", "silence")


class Transition(Target):
    intent: list[str] | None = None
    faq: list[str] | None = None  # FAQ ids answered; "any" for any answered question
    keyword: list[str] | None = None
    option: list[str] | None = None  # option labels of the state's ask; "any" for any option
    name: bool = False  # a plausible name (叫我小雨 → 小雨); questions, yes/no and greetings are not names
    reveals: list[str] | None = None  # a statement that reveals answers to these codebook questions ("any")
    any: bool = False  # any text at all
    silence: Duration | None = None  # no reply for this long, e.g. 1d
    save: str | None = None  # keep what the customer said in this slot (e.g. what to call them)

    _trigger_lists = field_validator("intent", "faq", "keyword", "option", "reveals", mode="before")(_as_list)

    @model_validator(mode="after")
    def _one_trigger(self) -> Transition:
        given = [name for name in TRIGGERS if getattr(self, name) not in (None, False)]
        if len(given) != 1:
            raise ValueError("每条 on 规则要写且只写一个触发条件："
                             "intent / faq / keyword / option / name / reveals / any / silence")
        return self

    @property
    def trigger(self) -> str:
        return next(name for name in TRIGGERS if getattr(self, name) not in (None, False))


UNKNOWN_OPTION = "unknown"  # a codebook question the customer skipped (不知道 / 跳过)
SOMEONE_ELSE = "someone_else"  # the answer was about someone else (我老公油皮): nothing of hers is chosen
PSEUDO_OPTIONS = frozenset({UNKNOWN_OPTION, SOMEONE_ELSE})  # not chosen by `option: any`


class Ask(Strict):
    code: str | None = None  # a question of knowledge/codebook.yaml: options, codes and tags come from there
    options: dict[str, list[str]] = {}  # label: what customers say for it (when there is no code)
    save: str | None = None  # slot that gets the chosen label
    tag: bool = False  # the chosen label also becomes a customer tag (always so for a codebook question)

    @model_validator(mode="after")
    def _one_source(self) -> Ask:
        if (self.code is None) == (not self.options):
            raise ValueError("ask 要写 code（编码本里的题目）或 options，只能写一个")
        return self

    @field_validator("options", mode="before")
    @classmethod
    def _synonyms(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _as_list(v) if v is not None else [] for k, v in value.items()}
        return value


class State(Effects):
    ask: Ask | None = None
    handover: bool = False
    recommend: bool = False  # ask the restraint policy (knowledge/policy.yaml): slots decision, product…
    card: bool = False  # send the chosen product's link card after what she says
    next: list[Target] | None = None  # move on at once (first target whose `when` holds)
    on: list[Transition] = []
    reprompt: list[str] = []  # persona keys said when the answer is not understood (at most 2)
    fallback: Target | None = None  # after the reprompts

    _reprompt = field_validator("reprompt", mode="before")(_as_list)

    @field_validator("next", mode="before")
    @classmethod
    def _next(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [{"goto": value}]
        if isinstance(value, dict):
            return [value]
        return value

    @field_validator("reprompt")
    @classmethod
    def _at_most_two(cls, value: list[str]) -> list[str]:
        if len(value) > 2:
            raise ValueError("reprompt 最多两条：第三次没听懂就走 fallback，不能一直追问")
        return value

    @model_validator(mode="after")
    def _one_silence(self) -> State:
        if sum(1 for t in self.on if t.silence is not None) > 1:
            raise ValueError("一个状态最多一条 silence 规则")
        if self.next and self.on:
            raise ValueError("写了 next 的状态会立刻离开，不能再写 on（它不等顾客回答）")
        return self


class StartOn(Effects):
    """When a customer enters this flow (the effects apply as it starts)."""

    event: str | None = Field(None, pattern=r"^(welcome|enter_session|message|need)$")  # need: the policy says so
    intent: list[str] | None = None
    when: When | None = None

    _start_lists = field_validator("intent", mode="before")(_as_list)


class FlowFile(Strict):
    description: str = ""
    start: str
    start_on: list[StartOn] = []
    states: dict[str, State] = Field(min_length=1)

    @field_validator("states")
    @classmethod
    def _names(cls, value: dict[str, State]) -> dict[str, State]:
        for name in value:
            if not re.match(NAME, name) or name.startswith("__"):
                raise ValueError(f"状态名 “{name}” 只能用字母、数字、下划线、连字符")
        return value
