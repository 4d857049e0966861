"""The knowledge base as operators write it (knowledge/*.yaml), validated with positions."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.content.schema import Strict, english_words, filled, non_blank
from bot.content.source import ContentError, Problem
from bot.understanding.normalize import base_normalize

if TYPE_CHECKING:
    from bot.understanding.knowledge_read import KnowledgeParts

REQUIRED_INTENTS = ("affirm", "deny", "cold", "opt_out", "ask_price", "ask_recommendation", "ask_human",
                    "greeting", "thanks")


class Follows(Strict):
    """都五天了 right after the order-status answer: a message carrying `intent` that the FAQ does not answer, within
    a few turns of one of the entries `after` (any time when there are none), is answered by this entry
    (engine/followup.py)."""

    intent: str
    after: list[str] = []
    over: list[str] = []  # entries it is said instead of, given the intent (催货: not the tracking how-to)
    alongside: list[str] = []  # entries asked in the same message as the intent: 怎么还没到 都一个礼拜了


class FaqEntry(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    questions: list[str] = Field(min_length=1)
    keywords: list[str] = []
    answer: str | None = None
    answer_key: str | None = None
    tags: list[str] = []
    enabled: bool = True
    handover: bool = False  # a person must follow up (photos, an order number): answered, then handed over
    not_asked_as: list[str] = []  # question kinds it never answers (会不会刺痛 asks before buying: not an allergy)
    unless: list[str] = []  # a message saying one of these is about something else (用了… for acne care: after use)
    unless_intents: list[str] = []  # a message carrying one of these intents is about something else (我补差价)
    follows: list[Follows] = []  # 都五天了 right after 怎么还没到: answered by this entry
    alone: bool = False  # an emergency (误食, 进了眼睛, 刷伤了): its intent said, it is the answer whatever else the
    # message matches, first, and nothing else is answered in that turn (engine/urgent.py)

    _blank = field_validator("questions", "keywords", "unless", "unless_intents")(non_blank)
    _filled = field_validator("answer", "answer_key")(filled)

    @model_validator(mode="after")
    def _one_answer(self) -> FaqEntry:
        if (self.answer is None) == (self.answer_key is None):
            raise ValueError("answer 和 answer_key 必须且只能写一个")
        return self


class OrderNumbers(Strict):
    """An order number she gives (单号是 SY20261120001): counted for the conversation, so an answer does not ask
    her for it again and a person is handed it (engine/order_number.py)."""

    cues: list[str] = []  # 订单号, 单号: the number after one of these is hers
    letters: list[str] = []  # SY: an order number opens with one of these (anywhere in a message)
    digits: int = Field(10, ge=4, le=40)  # at least this many digits
    check: list[str] = []  # FAQ entries that teach her to look it up herself: given the number, a person checks it
    keep_days: int = Field(0, ge=0, le=400)  # kept this many days for later conversations too (0: this one only)

    _blank = field_validator("cues", "letters", "check")(non_blank)


class Delivered(Strict):
    """When she signed for her parcel (签收三天了, 18号签收的): the days since, counted against the return window and
    said beside the answers that depend on it (engine/delivered.py)."""

    words: list[str] = []  # 签收, 收到: a day count or a date next to one of these is when the parcel came
    window_days: int = Field(7, ge=1, le=90)  # the no-reason return window, counted from the day after signing
    answers: list[str] = []  # FAQ entries (return_policy) beside which the days are said

    _blank = field_validator("words", "answers")(non_blank)


class FaqFile(Strict):
    entries: list[FaqEntry]


class Intent(Strict):
    examples: list[str] = []
    keywords: list[str] = []
    unless: list[str] = []  # words that, anywhere in the message, make its keywords not count (别推 + 太贵的)
    description: str = ""
    # small talk (今天好累啊, 吃饭了吗): the persona's intent.<name> answers it; an example said as the whole message is
    # small talk even where an FAQ shares its words (下班了 is no question about working hours)
    smalltalk: bool = False
    # a moment of her life (分手了, 后天结婚, 明天面试): the persona's intent.<name> is said first, before whatever the
    # rest of the message gets (a product, an answer), once in a while (engine/moments.py)
    moment: bool = False

    _blank = field_validator("examples", "keywords", "unless")(non_blank)

    @model_validator(mode="after")
    def _something(self) -> Intent:
        if not self.examples and not self.keywords:
            raise ValueError("意图至少要有 examples 或 keywords")
        return self


class IntentFile(Strict):
    intents: dict[str, Intent]


class ProductAnswer(Strict):
    """What customers ask about one product right after it is recommended (怎么用, 多少钱, 孕妇能用吗)."""

    questions: list[str] = Field(min_length=1)
    answer: str

    _blank = field_validator("questions")(non_blank)
    _filled = field_validator("answer")(filled)


class Product(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str
    fits: list[str] = Field(min_length=1)
    pitch: str
    answers: list[ProductAnswer] = []
    price: float | None = Field(None, gt=0)  # yuan; a budget (knowledge/policy.yaml `price`) leaves it out when over
    avoid_when: list[str] = []  # codebook labels or tags (孕期, 哺乳期): never recommended to a customer who has one
    # what it holds, as customers name it (烟酰胺; several names of one thing: A醇/视黄醇) → how much ("4%", or "" when
    # not said): 我对烟酰胺过敏 提亮精华能用吗 is answered from it (engine/allergen.py)
    ingredients: dict[str, str] = {}
    link: dict[str, str] | None = None
    miniprogram: dict[str, str] | None = None

    @field_validator("link")
    @classmethod
    def _link(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is not None and not {"title", "url"} <= value.keys():
            raise ValueError("link 需要 title 和 url")
        return value


class Quantity(Strict):
    """Several of one product asked about (两瓶多少钱): how she counts them and what the shop charges for them."""

    units: list[str] = []  # counting words: 两瓶, 2支 (瓶, 支, 个)
    pays: list[float] = Field([1.0], min_length=1)  # the n-th piece of one product costs pays[(n-1) % len] × price:
    # [1, 0.5] = 同款第二件半价 (each pair); [1] = no deal
    deal: str = ""  # the deal in words, said with a total it changed (同款第二件半价); it must agree with the FAQ
    # words that, with a count (买两瓶能打折吗, 两支有优惠吗), ask about the deal, not the coupons: the total with the
    # deal for the product named or in view, else the persona's price.deal ({deal}) (engine/prices.py; QA round 16)
    asks: list[str] = []
    # …but not beside these (两瓶用了优惠券没减: the coupon failed; 买了两瓶 退一瓶: her order)
    asks_unless: list[str] = []

    @field_validator("pays")
    @classmethod
    def _fractions(cls, value: list[float]) -> list[float]:
        if any(not 0 < part <= 1 for part in value):
            raise ValueError("pays 里每一项是正装价的几成：大于 0、不超过 1（0.5 = 半价）")
        return value


class ProductFile(Strict):
    products: list[Product]
    # kinds the shop does not sell (面霜, 面膜): asked for, said so honestly — by the FAQ entry named (one that says
    # so already), or by the persona's line (none named)
    not_carried: dict[str, str | None] = {}
    quantity: Quantity = Quantity()


class Thresholds(Strict):
    hit: float = Field(72, ge=0, le=100)
    near_miss: float = Field(55, ge=0, le=100)
    clarify_margin: float = Field(5, ge=0, le=100)
    intent: float = Field(85, ge=0, le=100)
    suggest: float = Field(45, ge=0, le=100)
    suggest_margin: float = Field(10, ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.near_miss > self.hit:
            raise ValueError("near_miss 不能高于 hit")
        if self.suggest > self.hit:
            raise ValueError("suggest 不能高于 hit")
        return self


class Language(Strict):
    """How customers talk, declared in content: the matcher's word lists (docs/authoring.md)."""

    filler: list[str] = []  # words that carry no meaning for matching (请问, 一下, 呀)
    kinds: dict[str, list[str]] = {}  # question kind → cue words (多久 → how_long)
    negations: list[str] = []  # words that flip the next word (不想 退)
    negation_ends: list[str] = []  # a particle that closes a negation before any word (不想要了 帮我取消: 取消 is said)
    synonyms: list[list[str]] = []  # each group means one thing; the first word is the canonical one
    confusions: list[str] = []  # each string: characters customers mix up (己已), beyond same-sounding ones
    question_endings: list[str] = []  # a message ending so is a question (吗, 呢) even with no kind word
    question_words: list[str] = []  # a message holding one anywhere is a question (有没有赠品, 是不是正品)
    ellipsis: list[str] = []  # 那A醇呢: a message ending so asks the question just answered again, about A醇
    caution: list[str] = []  # holding back without a negation (先停掉A醇, 问问医生): a warning, not advice to use it
    english: dict[str, str] = {}  # a question all in English: its words naming a topic, in Chinese (engine/english.py)

    _blank = field_validator("filler", "negations", "negation_ends", "confusions", "question_endings", "question_words",
                             "ellipsis", "caution")(non_blank)
    _english = field_validator("english")(english_words)

    @field_validator("synonyms")
    @classmethod
    def _groups(cls, groups: list[list[str]]) -> list[list[str]]:
        for group in groups:
            if len(group) < 2:
                raise ValueError("每组同义词至少两个词")
            non_blank(group)
        return [[word.strip() for word in group] for group in groups]

    @field_validator("kinds")
    @classmethod
    def _cues(cls, kinds: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, cues in kinds.items():
            if not cues:
                raise ValueError(f"问题类型 “{name}” 没有提示词：至少写一个词")
            non_blank(cues)
        return kinds


class MatchingFile(Strict):
    thresholds: Thresholds = Thresholds()
    variants: dict[str, str] = {}
    emoji: dict[str, str] = {}  # a message of nothing but emoji (or WeChat stickers) is read as these words

    @field_validator("variants")
    @classmethod
    def _variants_as_read(cls, table: dict[str, str]) -> dict[str, str]:
        for key in table:
            read = base_normalize(key)
            if read != key.lower() and len(read) < len(key.strip()) and len(read) <= 1:
                raise ValueError(f"variants 的 “{key}” 读的时候会变成 “{read}”（重复的字合成一个、标点和空格去掉），"
                                 f"这样会替换每一个 “{read}”：写成带别的字的说法（比如“爆{read}”）")
        return table

    @field_validator("emoji")
    @classmethod
    def _emoji_only(cls, table: dict[str, str]) -> dict[str, str]:
        for key, word in table.items():
            if not key.strip() or base_normalize(key):  # nothing left once read: an emoji or WeChat's [强]
                raise ValueError(f"emoji 的 “{key}” 不是表情：左边只写表情（👍 或微信表情 [强]），"
                                 "右边写顾客的意思（好的）")
            if not any(ch.isalnum() for ch in word):
                raise ValueError(f"表情 “{key}” 后面没写意思：写成“{key}: 好的”这样")
        return table
    language: Language = Language()
    order_numbers: OrderNumbers = OrderNumbers()  # what an order number she gives looks like
    delivered: Delivered = Delivered()  # when she signed for her parcel


class Knowledge(BaseModel):
    model_config = ConfigDict(frozen=True)
    faq: list[FaqEntry]
    intents: dict[str, Intent]
    products: list[Product]
    thresholds: Thresholds
    variants: dict[str, str]
    emoji: dict[str, str] = {}
    language: Language = Language()
    not_carried: dict[str, str | None] = {}  # products.yaml: kinds the shop does not sell → the FAQ that says so
    order_numbers: OrderNumbers = OrderNumbers()  # matching.yaml: what an order number she gives looks like
    delivered: Delivered = Delivered()  # matching.yaml: when she signed for her parcel (签收三天了)
    quantity: Quantity = Quantity()  # products.yaml: several of one product, and what they cost together

    def faq_by_id(self) -> dict[str, FaqEntry]:
        return {entry.id: entry for entry in self.faq}


def load_knowledge(folder: Path, root: Path | None = None) -> Knowledge:
    """Load and check every knowledge file; raise ContentError listing every problem found."""
    from bot.understanding.knowledge_read import read_knowledge

    problems: list[Problem] = []
    parts = read_knowledge(folder, root or folder.parent, problems)
    if problems:
        raise ContentError(problems)
    return assemble_knowledge(parts)


def assemble_knowledge(parts: KnowledgeParts) -> Knowledge:
    faq, intents, products, matching = parts.faq, parts.intents, parts.products, parts.matching
    assert faq and intents and products and matching
    return Knowledge(faq=[e for e in faq.entries if e.enabled], intents=intents.intents,
                     products=products.products, thresholds=matching.thresholds, variants=matching.variants,
                     emoji=matching.emoji, language=matching.language, not_carried=products.not_carried,
                     order_numbers=matching.order_numbers, delivered=matching.delivered, quantity=products.quantity)
