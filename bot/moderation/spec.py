"""knowledge/moderation.yaml as operators write it: categories, word lists, detectors and their weights.

Every signal a rule finds has a weight; a message is a violation when the weights add up to `threshold`
(each rule's total capped by its `max`). A strong signal (a WeChat id after 加V, a link) weighs the whole
threshold on its own; a weak one (兼职, 私聊我, a plain phone number) needs company. docs/authoring.md
explains every field in Chinese.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from bot.content.schema import Strict, non_blank
from bot.moderation.message import Action, Severity

RULE_ID = r"^[a-z][a-z0-9_]*$"




class Category(Strict):
    label: str = Field(min_length=1)  # what operators and owners read: 广告引流, 诈骗 …
    # what the owner is told the customer did, read after his name: 发了加微信的引流信息. Every rule of the
    # category says this unless it has a `reason` of its own; never a rule id or a score (docs/authoring.md §9.2)
    reason: str = Field(min_length=1)
    action: Action
    severity: Severity

    @field_validator("label", "reason")
    @classmethod
    def _filled(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("不能是空的：群主的通知里要用它")
        return value.strip()


class Weighted(Strict):
    category: str
    weight: int = Field(ge=0, le=100)
    max: int | None = Field(None, ge=0, le=100)  # cap of the rule's total; default: its weight
    reason: str = ""  # what the owner is told when this rule decides; empty: its category's reason

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if value and not value.strip():
            raise ValueError("reason 不能只有空格：不写就用类别的 reason")
        return value


class WordList(Weighted):
    id: str = Field(pattern=RULE_ID)
    words: list[str] = Field(min_length=1)
    requires: list[str] = []  # count only when one of these rules also found something (context words)
    note: str = ""

    _blank = field_validator("words")(non_blank)


class Normalize(Strict):
    symbols: dict[str, str] = {}  # one character → one character, before anything else (➕ → 加)
    tokens: dict[str, str] = {}  # a stand-alone latin token → its meaning (v → 微信)
    variants: dict[str, str] = {}  # anywhere in the compact text, longest first (威信 → 微信)
    # homophones of digits (妖 → 1, 洞 → 0): read only where they make a whole mobile number, or an id of
    # 5-12 digits right after a contact marker (digits.py)
    digits: dict[Annotated[str, StringConstraints(min_length=1, max_length=1)], Annotated[int, Field(ge=0, le=9)]] = {}

    @field_validator("symbols")
    @classmethod
    def _single_characters(cls, value: dict[str, str]) -> dict[str, str]:
        for key, replacement in value.items():
            if len(key) != 1 or len(replacement) != 1:
                raise ValueError(f"symbols 只能一个字符换一个字符: “{key}” → “{replacement}”")
        return value

    @field_validator("tokens")
    @classmethod
    def _latin_tokens(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not re.fullmatch(r"[A-Za-z]+", key):
                raise ValueError(f"tokens 的键只能是英文字母: “{key}”")
        return value


class Contacts(Weighted):
    """A contact handle: a marker (微信, qq …) followed by an id, or an id followed by 同微."""

    markers: list[str] = Field(min_length=1)  # canonical words after normalisation: 微信, qq, 微信号
    solo_markers: list[str] = []  # one-character abbreviations, counted only when the id follows at once
    fillers: list[str] = []  # words allowed between marker and id: 号, 是, 同号
    after_markers: list[str] = []  # after an id or a phone number: 同微, 同微信
    joiners: list[str] = []  # words between the parts of an id written in parts after a marker: lina 然后 1122
    letters_only_weight: int = Field(2, ge=0, le=100)  # an id without digits (could be an English word)

    _blank = field_validator("markers", "solo_markers", "fillers", "after_markers", "joiners")(non_blank)


class Invite(Weighted):
    """An invitation to take the talk elsewhere: verb, optional fillers, target (加我微信, 添加好友)."""

    verbs: list[str] = Field(min_length=1)
    fillers: list[str] = []
    targets: list[str] = Field(min_length=1)
    alone_weight: int | None = Field(None, ge=0, le=100)  # the invitation is all the message says (加我微信)
    endings: list[str] = []  # particles that may follow it and still leave it alone (吧, 呀)

    _blank = field_validator("verbs", "fillers", "targets", "endings")(non_blank)


class Phones(Weighted):
    """Phone numbers (mainland mobile, landline, 400/800): plain, or disguised (digits spelt out, spaced)."""

    disguised_weight: int = Field(ge=0, le=100)
    service_weight: int = Field(1, ge=0, le=100)  # 400/800 numbers: businesses, often the brand's own
    allow: list[str] = []  # numbers never counted (the brand's hotline)
    cues: list[str] = []  # words that make a number an advert when near it: 咨询, 热线, 致电
    cue_weight: int = Field(1, ge=0, le=100)

    _blank = field_validator("allow", "cues")(non_blank)


class Links(Weighted):
    allow: list[str] = []  # brand domains (sub-domains included)
    tlds: list[str] = Field(min_length=1)  # top-level domains recognised without http:// (com, cn, top …)
    shop_code_weight: int = Field(3, ge=0, le=100)  # 淘口令 ￥Ab12Cd34￥
    email_weight: int = Field(2, ge=0, le=100)

    _blank = field_validator("allow", "tlds")(non_blank)


class MsgTypeRule(Weighted):
    allow_appids: list[str] = []  # mini programs of the brand
    allow_domains: list[str] = []  # link messages pointing at these are fine


class Flood(Weighted):
    messages: int = Field(ge=2, le=1000)
    seconds: float = Field(gt=0, le=3600)


class Wall(Weighted):
    """One message that is a short piece typed over and over (1111…, 顶顶顶…, [炸弹]×20): flooding in one message."""

    min_length: int = Field(16, ge=4, le=500)  # characters (spaces not counted)
    longest_piece: int = Field(4, ge=1, le=10)
    min_repeats: int = Field(8, ge=2, le=500)  # 为什么×6 is insistence and [强]×6 applause, not a wall
    allow: list[str] = []  # pieces that are fine (哈, laughter) up to allow_up_to characters
    allow_up_to: int = Field(0, ge=0, le=1000)  # 0: allowed pieces are fine however long
    min_share: float = Field(1.0, gt=0.5, le=1.0)  # share of the message the repeated runs must cover


class Repeat(Weighted):
    groups: int = Field(ge=2, le=100)
    minutes: float = Field(gt=0, le=1440)
    min_length: int = Field(8, ge=1)  # shorter messages (收到, 谢谢老师) repeat innocently


class Band(Strict):
    probability: float = Field(gt=0, lt=1)
    weight: int = Field(ge=0, le=100)


class Model(Strict):
    file: str  # relative to knowledge/
    category: str
    reason: str = ""  # what the owner is told when the model decides; empty: its category's reason
    min_length: int = Field(6, ge=1)  # shorter messages carry too little evidence
    bands: list[Band] = Field(min_length=1)
    ignore: list[str] = []  # words removed before the model reads a message (the rules judge them)
    top: int = Field(5, ge=1, le=20)  # n-grams quoted in the explanation

    @field_validator("bands")
    @classmethod
    def _ascending(cls, value: list[Band]) -> list[Band]:
        if [b.probability for b in value] != sorted(b.probability for b in value):
            raise ValueError("bands 要按 probability 从小到大写")
        return value


class LexiconCategory(Strict):
    category: str
    weight: int = Field(ge=0, le=100)


class Lexicon(Strict):
    """An operator-supplied word list, one `word<TAB>category` a line (for example a purchased lexicon)."""

    id: str = Field(pattern=RULE_ID)
    file: str  # relative to knowledge/, or absolute
    optional: bool = False  # a missing file is skipped with a warning instead of an error
    categories: dict[str, LexiconCategory] = {}
    default: LexiconCategory | None = None  # categories not listed; None → their words are ignored
    min_length: int = Field(2, ge=1)  # shorter words (买, 钱) are dropped
    latin_min_length: int = Field(3, ge=1)  # latin words shorter than this are dropped; others need word edges
    max: int = Field(1, ge=0, le=100)  # a bought lexicon only nudges: everyday words fill them (see benchmarks)


class Warnings(Strict):
    """A member warning the group about a scam, reporting an advert or asking staff about one says the scam's own
    words (刷单返利, 日结): with one of `words` and none of the `unless` rules (a contact route, a call to the
    writer, which every advert needs), the evidence of the `ignore` rules is not counted."""

    words: list[str] = Field(min_length=1)  # 大家注意, 别信, 是骗子吗, 举报, 是你们的人吗
    ignore: list[str] = Field(min_length=1)  # rule ids not counted in a warning
    unless: list[str] = []  # rule ids that show the message is no warning
    safe_words: list[str] = []  # words that hide a warning word inside them (特别信任 is no 别信)

    _blank = field_validator("words", "ignore", "unless", "safe_words")(non_blank)


class Exempt(Strict):
    roles: list[str] = ["staff", "allowlisted"]
    members: list[str] = []  # userids / external_userids never judged

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        for role in value:
            if role not in ("staff", "allowlisted"):
                raise ValueError(f"不认识的角色 “{role}”：只能是 staff、allowlisted（顾客总要审核）")
        return value


class ModerationFile(Strict):
    _blank = field_validator("safe_words")(non_blank)

    threshold: int = Field(ge=1, le=100)
    categories: dict[str, Category] = Field(min_length=1)
    exempt: Exempt = Exempt()
    normalize: Normalize = Normalize()
    words: list[WordList] = []
    safe_words: list[str] = []  # matches inside these words do not count (小姐姐 hides 小姐)
    warnings: Warnings | None = None  # warnings and reports of scams: the scam's words are not counted
    contacts: Contacts | None = None
    invite: Invite | None = None
    phones: Phones | None = None
    links: Links | None = None
    msgtypes: dict[str, MsgTypeRule] = {}
    flood: Flood | None = None
    repeat: Repeat | None = None
    wall: Wall | None = None
    model: Model | None = None
    lexicons: list[Lexicon] = []

    def reason_of(self, rule: str, category: str) -> str:
        """What the owner reads for a violation decided by `rule` (a rule id of the detector): the rule's own
        `reason`, else its category's. Lexicons, whose words carry many categories, use the category's."""
        return self._reasons().get(rule) or (self.categories[category].reason if category in self.categories
                                             else "")

    def _reasons(self) -> dict[str, str]:
        reasons = {words.id: words.reason for words in self.words}
        sections: dict[str, Weighted | Model | None] = {
            "contact_id": self.contacts, "invite": self.invite, "phone": self.phones, "phone_cue": self.phones,
            "link": self.links, "shop_code": self.links, "email": self.links, "flood": self.flood,
            "repeat": self.repeat, "wall": self.wall, "model": self.model}
        reasons.update({rule: section.reason for rule, section in sections.items() if section is not None})
        reasons.update({f"msgtype_{name}": kind.reason for name, kind in self.msgtypes.items()})
        return reasons
