"""What operators write in groups/: group types with their welcome (types.yaml), and moderation profiles,
the strike ladder and owner notices (ladder.yaml). Schemas only; loading and cross-checks are in content.py.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from bot.content.schema import Strict

WELCOME_MAX_BYTES = 3000  # group_welcome_template text.content
NICKNAME = "%NICKNAME%"
ATTACHMENT_KINDS = ("image", "link", "miniprogram", "file", "video")



def _byte_limit(value: str, limit: int, what: str) -> str:
    size = len(value.encode())
    if size > limit:
        raise ValueError(f"{what}太长：{size} 字节，上限 {limit} 字节")
    return value


# -- types.yaml -----------------------------------------------------------------------------------
class Match(Strict):
    """How a group is recognised: its chat id, then its name, then its owner."""

    chat_ids: list[str] = []
    names: list[str] = []  # a piece of the name, or a pattern with * and ?
    owners: list[str] = []


class Image(Strict):
    media_id: str = ""
    pic_url: str = ""

    @model_validator(mode="after")
    def _one(self) -> Image:
        if not (self.media_id or self.pic_url):
            raise ValueError("image 需要 media_id 或 pic_url")
        return self


class Link(Strict):
    title: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")
    picurl: str = ""
    desc: str = ""

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _byte_limit(value, 128, "link.title ")

    @field_validator("desc")
    @classmethod
    def _desc(cls, value: str) -> str:
        return _byte_limit(value, 512, "link.desc ")


class MiniProgram(Strict):
    title: str = Field(min_length=1)
    pic_media_id: str = Field(min_length=1)
    appid: str = Field(min_length=1)
    page: str = Field(min_length=1)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _byte_limit(value, 64, "miniprogram.title ")


class Media(Strict):
    media_id: str = Field(min_length=1)


class Welcome(Strict):
    """One group_welcome_template: a text (with %NICKNAME%) and at most one attachment."""

    text: str = ""
    image: Image | None = None
    link: Link | None = None
    miniprogram: MiniProgram | None = None
    file: Media | None = None
    video: Media | None = None

    @model_validator(mode="after")
    def _shape(self) -> Welcome:
        attached = [kind for kind in ATTACHMENT_KINDS if getattr(self, kind) is not None]
        if len(attached) > 1:
            raise ValueError(f"入群欢迎语只能带一个附件，这里有 {len(attached)} 个: {', '.join(attached)}")
        if not self.text.strip() and not attached:
            raise ValueError("欢迎语要有 text 或一个附件")
        return self

    def payload(self, text: str) -> dict[str, Any]:
        """The WeCom request body, with the text as rendered for the persona."""
        body: dict[str, Any] = {}
        if text:
            body["text"] = {"content": text}
        for kind in ATTACHMENT_KINDS:
            value = getattr(self, kind)
            if value is not None:
                body[kind] = value.model_dump(exclude_defaults=True)
        return body


class GroupType(Strict):
    name: str = Field(min_length=1)
    match: Match = Match()
    welcome: Welcome | None = None
    moderation: str = "standard"  # a profile of ladder.yaml
    staff: list[str] = []  # employees (userid): exempt from moderation; told when notify has staff
    allow: list[str] = []  # customers (external_userid) exempt from moderation
    notify: list[Literal["owner", "staff"]] = ["owner"]


class TypesFile(Strict):
    default: str
    persona: str | None = None  # whose voice the welcomes are in: {self} and the emoji palette
    types: dict[str, GroupType] = Field(min_length=1)

    @field_validator("types")
    @classmethod
    def _ids(cls, value: dict[str, GroupType]) -> dict[str, GroupType]:
        for key in value:
            if not key.replace("_", "").isalnum() or not key.isascii() or key != key.lower():
                raise ValueError(f"类型 id “{key}” 只能用小写英文字母、数字和下划线 _")
        return value


# -- ladder.yaml ----------------------------------------------------------------------------------
Action = Literal["notify_owner", "ask_removal", "tag", "alert", "blacklist"]
SeverityName = Literal["low", "medium", "high"]


class Profile(Strict):
    """How strictly one type of group is moderated."""

    enabled: bool = True
    ignore: list[str] = []  # categories or rule names never acted on in these groups
    severe: list[str] = []  # categories that skip the ladder and take its `severe` step
    min_severity: SeverityName = "low"  # verdicts below it are recorded, not acted on


class Ladder(Strict):
    window_days: int = Field(30, ge=1, le=365)
    steps: list[list[Action]] = Field(min_length=1)  # step N = the actions of strike N (the last repeats)
    severe: list[Action]


class TagSpec(Strict):
    group: str = Field(min_length=1, max_length=30)
    name: str = Field(min_length=1, max_length=30)


class NoticeTexts(Strict):
    notice: str
    removal: str
    alert: str
    digest: str
    digest_line: str
    digest_more: str
    alert_earlier: str  # after an alert: the waiting notices about the same customer ({count}, {lines})
    keyword_what: str = Field(min_length=1)  # {what} of a 数据与智能专区 hit, which carries no text
    keyword_reason: str = Field(min_length=1)  # {reason} of a hit of a rule keyword_rules does not list


class Notices(Strict):
    per_minute: int = Field(20, ge=1, le=30)  # WeCom drops app messages over 30/min to one member
    digest_after: int = Field(3, ge=1)  # more pending notices than this for one person → one digest
    wait_seconds: int = Field(60, ge=0, le=3600)  # how long a non-urgent notice waits for others
    alert_to: list[str] = []  # employees told of every alert besides the group's owner
    texts: NoticeTexts


class KeywordRule(Strict):
    name: str = Field(min_length=1)
    category: str = Field(min_length=1)
    reason: str = ""  # what the owner is told; empty: the category's reason in knowledge/moderation.yaml
    severity: SeverityName = "medium"
    action: Literal["record", "warn", "remove", "alert"] = "warn"


class LadderFile(Strict):
    profiles: dict[str, Profile] = Field(min_length=1)
    ladder: Ladder
    tag: TagSpec
    notices: Notices
    suggestions: dict[str, str] = {}  # action → the sentence that tells the owner what to do
    keyword_rules: dict[str, KeywordRule] = {}  # 数据与智能专区 rule_id → what a hit means
    attribution_minutes: int = Field(30, ge=1, le=1440)  # a leave this soon after an incident is put on it
    audit_retention_days: int = Field(90, ge=1, le=3650)
