"""Need evidence, read from every message the customer writes.

For: an explicit ask (推荐 / 买哪个 / 帮我挑), urgency (急, 明天要用), a pain that reveals a survey answer
(爆痘 → 痘痘, 泛红 → 敏感肌: the codebook's `mentions`; not what is said about someone else, 我闺蜜老爆痘), the
same concern again. Against: a cold reply, silence after an offer, a refusal (flows declare refusals with
`evidence: refusal`). Weights come from the policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.policy.disliked import DislikeReader
from bot.policy.price import CHEAPER, budget_in, stated_budget
from bot.policy.spec import Policy
from bot.profile.codebook import Codebook, Move
from bot.profile.mentions import Mentions
from bot.profile.model import Profile
from bot.understanding.phrases import Phrases

Normalize = Callable[[str], str]


@dataclass(frozen=True)
class Noted:
    kind: str
    weight: float
    detail: str


@dataclass
class Reading:
    """What one message showed: evidence, and survey answers it revealed (question, code, phrase)."""

    evidence: list[Noted] = field(default_factory=list)
    answers: list[tuple[str, str, str]] = field(default_factory=list)
    moves: list[tuple[str, Move, str]] = field(default_factory=list)  # (question, move, phrase): 生完了, 断奶了
    moved: list[Move] = field(default_factory=list)  # the moves apply_reading made (her answer was a `when`)
    theirs: dict[str, str] = field(default_factory=dict)  # question → code said of someone else (送男朋友 油皮)
    budget: tuple[float, str] | None = None  # (most yuan, or CHEAPER; what she said): bot/policy/price.py


class NeedReader:
    """Built once per content load (phrases normalised the way messages are)."""

    def __init__(self, policy: Policy, codebook: Codebook, normalize: Normalize,
                 phrases: Phrases | None = None) -> None:
        self.policy = policy
        self.codebook = codebook
        self.words = {kind: _normalised(spec.words, normalize) for kind, spec in policy.evidence.items()}
        self.unless = {kind: _normalised(spec.unless, normalize) for kind, spec in policy.evidence.items()}
        self.intents = {kind: set(spec.intents) for kind, spec in policy.evidence.items()}
        self.mentions = Mentions(codebook, normalize, phrases or Phrases(normalize))
        self.disliked = DislikeReader(policy, normalize, self.mentions.phrases)
        self.limits = _normalised(policy.price.limit, normalize)
        self.cheaper = _normalised(policy.price.cheaper, normalize)

    def read(self, text: str, intents: Iterable[str], profile: Profile, now: float) -> Reading:
        """`text` is normalised; `now` before the profile notes this message (for silence)."""
        reading = Reading()
        said = set(intents)
        for kind in ("ask", "urgent", "cold"):
            shown = self._shows(kind, text, said)
            if shown:
                reading.evidence.append(Noted(kind, self.policy.weight(kind), shown))
        reading.answers = self.mentions.answers(text)  # 我闺蜜老爆痘 is not her pain, nor her answer
        reading.moves = self.mentions.moved(text)  # 生完了: 孕期 → 哺乳期 (the codebook's `moves`)
        # a pain is a need products are chosen by (policy.fit: 爆痘, 脸好干); 我怀孕了 is a fact, not a need
        pains = [(question, code, phrase) for question, code, phrase in reading.answers
                 if question in self.policy.fit or question == self.policy.concern]
        labels = [self.codebook.label(question, code) for question, code, _ in pains]
        reading.theirs = self.mentions.theirs(text)  # 送男朋友 油皮: what a product for him should fit
        reading.budget = self._budget(text, asked=any(e.kind == "ask" for e in reading.evidence))
        if labels:  # one pain per message, however many answers it revealed
            phrases = "、".join(dict.fromkeys(p for _, _, p in pains))
            reading.evidence.append(Noted("pain", self.policy.weight("pain"), f"{phrases}→{'/'.join(labels)}"))
        repeated = [label for label in labels if self._repeated(profile, label, now)]
        if repeated:
            reading.evidence.append(Noted("repeat", self.policy.weight("repeat"), f"又说到{'/'.join(repeated)}"))
        silent = self._silence(profile, now)
        if silent:
            reading.evidence.append(Noted("silence", self.policy.weight("silence"), silent))
        return reading

    def labels(self, text: str, needs_only: bool = False) -> list[str]:
        """Labels of every option the normalised text mentions, whoever it is about (脸油 → 油皮), longest first.
        `needs_only`: of the questions products are chosen by (a skin need, not 怀孕 of the stage question)."""
        found = (self.codebook.label(question, code) for _, question, code in self.mentions.found(text)
                 if not needs_only or question in self.policy.fit or question == self.policy.concern)
        return list(dict.fromkeys(label for label in found if label))

    def concerns(self, text: str) -> list[str]:
        """Labels of the policy's concern question the normalised text mentions (爆痘 → 痘痘), longest first."""
        found = (self.codebook.label(question, code) for _, question, code in self.mentions.found(text)
                 if question == self.policy.concern)
        return list(dict.fromkeys(label for label in found if label))

    def her_concerns(self, text: str) -> list[str]:
        """Labels of the concern question the normalised text says about her (我最近冒痘, not 我闺蜜老爆痘)."""
        return [label for question, code, _ in self.mentions.answers(text) if question == self.policy.concern
                and (label := self.codebook.label(question, code))]

    def _budget(self, text: str, asked: bool) -> tuple[float, str] | None:
        said = budget_in(text, self.limits)
        if said is not None:
            return said, f"预算{said:g}元"
        cheaper = next((word for word in self.cheaper if word in text), "") if asked else ""
        return (CHEAPER, f"要更便宜的（{cheaper}）") if cheaper else None

    def _shows(self, kind: str, text: str, intents: set[str]) -> str:
        if any(phrase in text for phrase in self.unless[kind]):
            return ""
        hit = next((name for name in self.intents[kind] if name in intents), "")
        if hit:
            return hit
        return next((phrase for phrase in self.words[kind] if phrase in text), "")

    def _repeated(self, profile: Profile, label: str, now: float) -> bool:
        """The same concern was brought up before (often enough) and not yet counted as repeated."""
        live = [e for e in profile.evidence if now - float(e[2]) <= self.policy.forget_after]
        earlier = sum(1 for e in live if e[0] == "pain" and label in str(e[3]).rpartition("→")[2].split("/"))
        counted = any(e[0] == "repeat" and label in str(e[3]).removeprefix("又说到").split("/") for e in live)
        return not counted and earlier + 1 >= self.policy.repeat_times

    def _silence(self, profile: Profile, now: float) -> str:
        """The customer let an offer go unanswered for long (noted once, when they write again)."""
        if not profile.offers:
            return ""
        product, offered_at = profile.offers[-1][0], float(profile.offers[-1][1])
        unanswered = profile.last_seen <= offered_at
        if unanswered and now - offered_at >= self.policy.silence_after:
            return f"推荐{product}后{int((now - offered_at) // 86400)}天没回"
        return ""


def _normalised(phrases: list[str], normalize: Normalize) -> list[str]:
    return sorted({n for n in (normalize(p) for p in phrases) if n}, key=len, reverse=True)


def apply_reading(reading: Reading, profile: Profile, codebook: Codebook, now: float) -> list[str]:
    """Write a reading into the profile; returns lines for /debug."""
    notes = []
    for item in reading.evidence:
        profile.add_evidence(item.kind, item.weight, now, item.detail)
        notes.append(f"需求证据 {item.kind} {item.weight:+g}（{item.detail}）")
    if reading.budget is not None:
        earlier = stated_budget(profile.budget)
        profile.budget = [reading.budget[0], now, reading.budget[1]]
        if reading.budget[0] == CHEAPER and earlier is not None:
            profile.budget.append(earlier)  # 预算100以内 … 有便宜点的吗: cheaper never lifts the sum she gave
        notes.append(f"价格：{reading.budget[1]}")
    for question, code, phrase in reading.answers:
        before = profile.answered(question)
        spec = codebook.questions.get(question)
        if before is None or (spec is not None and spec.latest and before != code):  # latest: 备孕 → 怀孕了
            notes += profile.set_answer(codebook, question, code, "said")
            notes.append(f"从“{phrase}”预填 {question} = {code} {codebook.label(question, code)}"
                         + (f"（替换之前说的 {codebook.label(question, before)}）" if before else ""))
    moved: set[str] = set()
    for question, move, phrase in reading.moves:  # one move a question: the first (codebook order) whose `when` holds
        now_label = codebook.label(question, profile.answered(question))
        if question in moved or not (now_label in move.when or (move.unanswered and not now_label)):
            continue
        moved.add(question)
        moved_to = codebook.code_of(question, move.to) if move.to else None
        notes += profile.set_answer(codebook, question, moved_to, "said") if moved_to else profile.clear_answer(
            codebook, question, "said")
        reading.moved.append(move)
        notes.append(f"她说“{phrase}”：{question} 从 {now_label or '没有'} 改成 {move.to or '没有'}")
    return notes


def note(profile: Profile, policy: Policy, kind: str, now: float, detail: str) -> str:
    """Evidence a flow declares (`evidence: refusal`); a refusal also starts the cool-down."""
    profile.add_evidence(kind, policy.weight(kind), now, detail)
    if kind == "refusal":
        profile.record_refusal(now)
    return f"需求证据 {kind} {policy.weight(kind):+g}（{detail}）"
