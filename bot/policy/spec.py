"""knowledge/policy.yaml as a schema: evidence weights, thresholds, budgets (docs/policy.md)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator

from bot.content.durations import Duration, seconds
from bot.content.schema import Strict
from bot.content.source import ContentError, Document, Problem, load_document, validate

# Evidence kinds the engine itself reads from messages (operators may add their own, used by flows
# with `evidence: <kind>` and by codebook options).
ROLES = ("ask", "urgent", "pain", "repeat", "cold", "silence", "refusal")



def _listed(value: object) -> object:
    return [value] if isinstance(value, str) else value


def _positive(value: str | None) -> str | None:
    """A span that means nothing at 0: no evidence would count (forget_after), no ask be answered (ask_valid),
    the offer budget would never apply (budget.window), every message be a new session, every return a
    silence."""
    if value is not None and seconds(value) <= 0:
        raise ValueError(f"时长 “{value}” 不能是 0")
    return value


class EvidenceKind(Strict):
    weight: float = Field(ge=-10, le=10)
    intents: list[str] = []  # intents (knowledge/intents.yaml) that show it
    words: list[str] = []  # phrases that show it anywhere in a message
    unless: list[str] = []  # phrases that cancel the words (不急 is not 急)
    with_kind: list[str] = []  # phrases that show it only beside a kind of product named (想要个精华; not 想要个发票)
    after_offer: list[str] = []  # intents that show it only within a few turns of an offer (还有吗 after a link)
    after: Duration | None = None  # silence: no reply this long after an offer
    times: int | None = Field(None, ge=2)  # repeat: the same concern this many times
    first_session: bool = False  # shown within ask_valid, a proactive offer need not wait for a next session

    _lists = field_validator("intents", "words", "unless", "with_kind", "after_offer", mode="before")(_listed)
    _after = field_validator("after")(_positive)


class Need(Strict):
    forget_after: Duration = "30d"  # evidence older than this no longer counts
    recommend: float = 3  # need score from which a proactive offer is considered
    light: float = 2  # need score from which a cold customer gets the one light mention

    _forget = field_validator("forget_after")(_positive)

    @model_validator(mode="after")
    def _ordered(self) -> Need:
        if self.light > self.recommend:
            raise ValueError("need.light 不能高于 need.recommend")
        return self


class Budget(Strict):
    offers: int = Field(2, ge=0)  # proactive recommendations per customer per window
    window: Duration = "7d"
    cooldown_after_refusal: Duration = "3d"
    first_session: bool = False  # may a proactive recommendation come in the first session?

    _window = field_validator("window")(_positive)


class Price(Strict):
    limit: list[str] = []  # a sum said with one of these words is her budget (预算一百以内, 200以下)
    cheaper: list[str] = []  # in an explicit ask: cheaper than the products offered (有没有便宜点的, 都太贵了)
    low: list[str] = []  # labels or tags of a small budget (预算有限: 学生党): of equal fits, the cheaper product

    _lists = field_validator("limit", "cheaper", "low", mode="before")(_listed)


class Reaction(Strict):
    """Her skin reacted to it (用过你们的水杨酸 刺激): the message is answered by this FAQ entry (stop, after-sales),
    never by the entry its words match (水杨酸: 算温和的)."""

    words: list[str] = Field(min_length=1)  # 刺激, 过敏, 刺痛 (whole words, not negated)
    answer: str = Field(min_length=1)  # the FAQ entry id
    with_: list[str] = Field(default=[], alias="with")  # only when one of these is said too (A醇: its own answer)
    # only when she has one of ours in hand (an order on record, the product in view): 用了三天下巴脱皮了 after buying
    held: bool = False
    # her special time (codebook stage: 孕期), said or asked about in this conversation, counts as one of the words:
    # 我怀孕了, then 一直在用A醇 要紧吗
    during: list[str] = []

    _lists = field_validator("words", "with_", "during", mode="before")(_listed)


class Disliked(Strict):
    """She tried a product and did not like it (A醇那个我用过 不好用): a `used` word and a `bad` word in one statement
    about a product she names or points at (那个精华 = the one in view) — it is never recommended to her again."""

    used: list[str] = []  # 用过, 用了, 试过
    bad: list[str] = []  # 不好用, 刺激, 过敏 (said as whole words, not negated: 不刺激 is no complaint)
    unless: list[str] = []  # 别家, 别的牌子: another brand's product, not ours
    reactions: list[Reaction] = []  # used + one of these words: a reaction, answered with care (engine/reaction.py)
    allergic: list[str] = []  # 过敏: an allergy to what a product holds, any brand (我对烟酰胺过敏): ours avoided too
    refuse: list[str] = []  # 买, 要: negated right before a product's word (不买烟酰胺), it refuses that product

    _lists = field_validator("used", "bad", "unless", "allergic", "refuse", mode="before")(_listed)


class Usable(Strict):
    """有什么能用的 / 那我能用什么 in a special time of hers (孕期, said or asked about): a question with one of `asks`
    and one of `use` (in its normalised text: 哪些 and 啥 read as 什么) asks which products she can use in it
    (engine/usable.py)."""

    asks: list[str] = []  # 什么, 哪款: it asks which ones
    use: list[str] = []  # 用, 涂: … she can use

    _lists = field_validator("asks", "use", mode="before")(_listed)


class SkinType(Strict):
    """我敏感肌 | 一用东西就泛红刺痛: she describes her skin, not a reaction to ours — `reaction` (the
    after-sales entry: order number, a person) is answered only when she says she used ours (one of `ours`, a
    product or a kind of ours named, one pointed at, an order on record); otherwise `answer`, the skin's own
    entry (engine/skin_type.py)."""

    reaction: str = ""  # allergy_after_use
    answer: str = ""  # sensitive_skin
    habitual: list[str] = []  # 一用东西就, 用啥都, 换季就: it always happens, it is her skin
    ours: list[str] = []  # 你们, 你家, 买的: she used ours

    _lists = field_validator("habitual", "ours", mode="before")(_listed)


class SeeDoctor(Strict):
    """宝宝湿疹: a skin problem of a minor is for a doctor — answered by `answer` instead of the minors' first."""

    words: list[str] = []  # 湿疹, 奶癣, 起疹子
    answer: str = ""  # the FAQ entry (baby_skin: see a paediatrician)

    _lists = field_validator("words", mode="before")(_listed)


class Minors(Strict):
    """我儿子上初中 / 我女儿15岁 / 宝宝能用吗: the one who would use it is a minor — our products are for adult skin
    (`answers[0]`: kids_use), so no product is recommended in the conversation (engine/minors.py)."""

    answers: list[str] = []  # FAQ ids: the first answers a piece that names the minor; the others already do
    words: list[str] = []  # 初中, 高中生, 小朋友, 给宝宝: a minor uses it
    under: int = Field(18, ge=1, le=30)  # an age said below this (15岁, 她16) is a minor's
    people: list[str] = []  # 她, 儿子: the one whose bare age follows (她16)
    unless: list[str] = []  # 的时候, 那年: her own past (我初中的时候就长痘), not a minor now
    not_with: list[str] = []  # 怀孕, 哺乳: 宝宝 is the baby she carries or nurses, not the one using it
    herself: list[str] = []  # 我自己, 给自己: from now on she asks for herself
    see_doctor: SeeDoctor = SeeDoctor()  # 宝宝湿疹: a paediatrician, not only "our products are for adults"
    # 我15岁 / 我今年初二: the minor is the one writing — told `me_answer` (an FAQ id) instead of `answers[0]`, and a
    # persona key's `.me` variant (recommend.minor.me) is said to her, not about TA (QA round 16, finding 1)
    me: list[str] = []  # 我, 我今年, 我是: right before the age or the word, it is she
    me_answer: str = ""

    _lists = field_validator("answers", "words", "people", "unless", "not_with", "herself", "me",
                             mode="before")(_listed)


class TooExpensive(Strict):
    """太贵了 right after an offer, from a customer with a small budget: also answered by this FAQ entry."""

    answer: str = ""  # sample_trial (9.9元体验装)


class Survey(Strict):
    resume_after: Duration = "2h"  # a pending survey question is asked again when the customer returns later


class PolicyFile(Strict):
    flow: str  # the flow that makes an offer (its start_on `event: need` runs when the policy sees need)
    concern: str = ""  # the codebook question a product is chosen by; asked first when unknown
    session_gap: Duration = "30m"  # a longer pause starts a new conversation session
    ask_valid: Duration = "1d"  # an explicit ask is answered once, within this time
    evidence: dict[str, EvidenceKind]
    need: Need = Need()
    budget: Budget = Budget()
    fit: dict[str, float] = {}  # codebook question → weight when the product fits its answer
    fit_other: float = 1  # weight of any other customer tag a product fits
    survey: Survey = Survey()
    price: Price = Price()
    disliked: Disliked = Disliked()
    usable: Usable = Usable()
    skin_type: SkinType = SkinType()
    minors: Minors = Minors()
    too_expensive: TooExpensive = TooExpensive()
    safe_gift: list[str] = []  # product ids anyone can use: a gift whose recipient's skin she does not know gets one
    orders: list[str] = []  # FAQ tags of questions about her order, not the product (售后, 物流): asked of a product
    # she names (A醇那瓶能退吗, 收到的保湿水漏液了), they are what she wants answered (engine/about.py)

    _durations = field_validator("session_gap", "ask_valid")(_positive)


class Policy:
    """The checked policy with its durations in seconds."""

    def __init__(self, spec: PolicyFile) -> None:
        self.spec = spec
        self.flow = spec.flow
        self.concern = spec.concern
        self.evidence = spec.evidence
        self.need = spec.need
        self.budget = spec.budget
        self.fit = spec.fit
        self.fit_other = spec.fit_other
        self.price = spec.price
        self.disliked = spec.disliked
        self.usable = spec.usable
        self.skin_type = spec.skin_type
        self.minors = spec.minors
        self.safe_gift = spec.safe_gift
        self.too_expensive = spec.too_expensive
        self.orders = frozenset(spec.orders)
        self.session_gap = seconds(spec.session_gap)
        self.ask_valid = seconds(spec.ask_valid)
        self.forget_after = seconds(spec.need.forget_after)
        self.window = seconds(spec.budget.window)
        self.cooldown = seconds(spec.budget.cooldown_after_refusal)
        self.resume_after = seconds(spec.survey.resume_after)
        self.silence_after = seconds(spec.evidence["silence"].after or "2d")
        self.repeat_times = spec.evidence["repeat"].times or 2

    def weight(self, kind: str) -> float:
        return self.evidence[kind].weight


def load_policy(folder: Path, root: Path) -> tuple[Policy, Document]:
    path = folder / "policy.yaml"
    display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    if not path.exists():
        raise ContentError([Problem(display, 1, 1, "缺少文件 policy.yaml：克制推荐的规则写在这个文件里")])
    document = load_document(path, display)
    spec = validate(PolicyFile, document)
    missing = [role for role in ROLES if role not in spec.evidence]
    if missing:
        raise ContentError([document.problem(("evidence",), f"evidence 缺少 {', '.join(missing)}"
                                                            "：机器人每条消息都要读这几种证据")])
    return Policy(spec), document
