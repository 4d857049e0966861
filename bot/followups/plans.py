"""Follow-up plans (knowledge/followups.yaml) as a schema, checked against the rest of the content.

A plan starts on a customer event, and its steps follow one after the other, each in a window after an
event (day 4–7 after `added`). docs/authoring.md explains the file to operators; docs/followups.md the design.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from bot.content.durations import UNITS, Duration, seconds
from bot.content.schema import Strict
from bot.engine.flows import NAME, When, comparison
from bot.events import ADDED, CHURNED, ENTERED, FLOW_MARKS, HANDOVER, MESSAGE, OPTED_OUT, RECOMMENDED, WELCOMED

FILE = "knowledge/followups.yaml"
START = "start"  # `after: start`: the moment the plan started
ANCHORS = (START, ADDED, ENTERED, WELCOMED, MESSAGE, RECOMMENDED, *FLOW_MARKS)
STARTS = (ADDED, ENTERED, WELCOMED, MESSAGE, RECOMMENDED, *FLOW_MARKS)
DAY_S = 24 * 3600
LONGEST_S = 400 * DAY_S  # follow-up records are kept 400 d after their last change (docs/gateway.md)
ALWAYS_STOP = (OPTED_OUT, CHURNED, HANDOVER)  # every plan ends for good on these
STOPS = (*ALWAYS_STOP, *FLOW_MARKS, RECOMMENDED)
TASK_VARIABLES = frozenset({"customer", "message", "reason", "plan", "step"})
_WINDOW = re.compile(r"^\s*(\d+\s*[smhd])\s*-\s*(\d+\s*[smhd])\s*$")
_BARE_WINDOW = re.compile(r"^\s*\d+\s*[smhd]?\s*-\s*\d+\s*[smhd]?\s*$")  # 3-5, 3d-5: a unit is missing
_QUIET = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$")


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def window_of(text: str) -> tuple[int, int]:
    match = _WINDOW.match(text)
    if not match:
        if _BARE_WINDOW.match(text):
            raise ValueError(f"window “{text}” 缺少单位：开始和结束都要带单位，{UNITS}，如 4d-7d")
        raise ValueError(f"window 写法不对：“{text}”，应为 开始-结束，例如 4d-7d、2h-1d")
    low, high = seconds(match.group(1).replace(" ", "")), seconds(match.group(2).replace(" ", ""))
    if high <= low:
        raise ValueError(f"window “{text}” 的结束要晚于开始")
    if high > LONGEST_S:  # a follow-up record lives 400 d after its last change; later never comes
        raise ValueError(f"window “{text}” 太长：最多 {LONGEST_S // DAY_S}d（跟进记录只保存这么久）")
    return low, high


def quiet_of(text: str) -> tuple[int, int] | None:
    """Minutes after local midnight (start, end) of the quiet hours; None for `none`."""
    if text.strip().lower() in ("none", "off", ""):
        return None
    match = _QUIET.match(text)
    if not match:
        raise ValueError(f"quiet_hours 写法不对：“{text}”，应为 21:00-09:00，或 none")
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    if start == end:
        raise ValueError("quiet_hours 开始和结束不能相同；不要免打扰时段请写 none")
    return start, end



class StepWhen(When):
    offer_allowed: bool | None = None  # what the need policy says about a proactive offer right now
    need: str | None = None  # the need score now (knowledge/policy.yaml), e.g. ">= 2"
    purchased: bool | None = None  # bought anything (an order, a purchase tag)

    @field_validator("need")
    @classmethod
    def _need(cls, value: str | None) -> str | None:
        if value is not None and comparison(value) is None:
            raise ValueError(f"need 写法不对：“{value}”，例如 \">= 2\"")
        return value


class Step(Strict):
    id: str = Field(pattern=NAME)
    after: str = START
    window: str
    say: str | None = None  # persona key
    by: str | None = None  # say `<say>.<answer>` when the persona has it (followup.tip.痘痘 for concern 痘痘)
    flow: str | None = None  # open this flow (the recommendation flow asks the need policy); `say` leads into it
    when: StepWhen | None = None
    repeat: Duration | None = None  # after it is sent, the step comes again this long after the last one
    times: int = Field(1, ge=1, le=52)  # how often in all, with repeat
    why: str = ""  # why the customer gets it: told to staff with a task, and shown in reports

    @field_validator("after", mode="before")
    @classmethod
    def _after_is_an_event(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):  # after: 3 meant "3 days after"
            raise ValueError(f"after 是从哪个事件算起（{' / '.join(ANCHORS)}），不是时长；“{value}”之后多久请写在 "
                             f"window 里，{UNITS}，如 window: 3d-5d")
        return value

    @field_validator("window", mode="before")
    @classmethod
    def _window_is_text(cls, value: object) -> object:
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise ValueError(f"window “{value}” 缺少单位：应为 开始-结束，{UNITS}，如 4d-7d")
        return value

    @field_validator("after")
    @classmethod
    def _after(cls, value: str) -> str:
        if value not in ANCHORS:
            raise ValueError(f"after 只能是 {' / '.join(ANCHORS)}，不是 “{value}”")
        return value

    @field_validator("window")
    @classmethod
    def _window(cls, value: str) -> str:
        window_of(value)
        return value

    @field_validator("repeat")
    @classmethod
    def _repeat(cls, value: str | None) -> str | None:
        if value is not None and seconds(value) < DAY_S:  # a customer gets at most one proactive message a day
            raise ValueError(f"repeat “{value}” 太短：每位顾客每天最多一条主动消息，至少写 1d")
        if value is not None and seconds(value) > LONGEST_S:
            raise ValueError(f"repeat “{value}” 太长：最多 {LONGEST_S // DAY_S}d（跟进记录只保存这么久）")
        return value

    @model_validator(mode="after")
    def _repeat_needs_times(self) -> Step:
        if self.times > 1 and self.repeat is None:
            raise ValueError("写了 times 就要写 repeat（隔多久再来一次）")
        if self.say is None and self.flow is None:
            raise ValueError("步骤要写 say（说什么）或 flow（打开哪个流程），至少一个")
        return self

    @property
    def span(self) -> tuple[int, int]:
        return window_of(self.window)

    @property
    def every(self) -> int:
        return seconds(self.repeat) if self.repeat else 0


class Plan(Strict):
    description: str = ""
    start_on: list[str] = Field(min_length=1)
    stop_on: list[str] = []
    reanchor: bool = True  # a customer message moves the pending step: its window counts from the message
    quiet_hours: str | None = None
    steps: list[Step] = Field(min_length=1)

    _lists = field_validator("start_on", "stop_on", mode="before")(_as_list)

    @field_validator("start_on", "stop_on")
    @classmethod
    def _events(cls, value: list[str], info: ValidationInfo) -> list[str]:
        allowed = STARTS if info.field_name == "start_on" else STOPS
        for name in value:
            if name not in allowed:
                raise ValueError(f"{info.field_name} 只能是 {' / '.join(allowed)}，不是 “{name}”")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            quiet_of(value)
        return value

    @model_validator(mode="after")
    def _unique_steps(self) -> Plan:
        ids = [step.id for step in self.steps]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"步骤 id 重复了：{', '.join(repeated)}")
        return self

    def index(self, step_id: str) -> int | None:
        for number, step in enumerate(self.steps):
            if step.id == step_id:
                return number
        return None

    @property
    def stops(self) -> tuple[str, ...]:
        return (*ALWAYS_STOP, *self.stop_on)


class PushyAlarm(Strict):
    churn_rate: float = Field(0.05, gt=0, le=1)  # deletions + opt-outs per message sent at one step
    min_sent: int = Field(20, ge=1)  # below this many messages a step is not judged


class FollowupFile(Strict):
    quiet_hours: str = "21:00-09:00"
    monthly_group_messages: int | None = Field(None, ge=1, le=31)  # default: as many as the month has days
    purchase_tags: list[str] = []  # a customer with one of these tags has purchased (e.g. staff set 已购)
    staff_task: str = "【跟进提醒】{reason}\n请在企业微信里发给客户 {customer}：\n{message}"
    pushy_alarm: PushyAlarm = PushyAlarm()
    plans: dict[str, Plan] = {}

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        quiet_of(value)
        return value

    @field_validator("plans")
    @classmethod
    def _names(cls, value: dict[str, Plan]) -> dict[str, Plan]:
        for name in value:
            if not re.match(NAME, name):
                raise ValueError(f"计划名 “{name}” 只能用字母、数字、下划线、连字符")
        return value

    def quiet(self, plan: Plan) -> tuple[int, int] | None:
        return quiet_of(plan.quiet_hours if plan.quiet_hours is not None else self.quiet_hours)
