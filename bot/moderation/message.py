"""What the moderation engine judges and what it answers: the interface every message source uses.

A source (msgaudit, the 数据与智能专区 hit list, `siyu moderate`) turns what it received into a `Message`;
the detector answers a `Verdict` that says whether the message breaks a rule, which rule decided, the
category and the action and severity the content gives that category, and the evidence: every signal
found, what it matched in the message and after which normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Who sent the message, as the group registry knows them."""

    CUSTOMER = "customer"
    STAFF = "staff"  # an employee of the corp (member type 1 in groupchat/get)
    ALLOWLISTED = "allowlisted"  # a customer the operator trusts (a partner, a KOC)


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


class Action(StrEnum):
    """The action the content suggests for a first violation of a category (the strike ladder decides)."""

    RECORD = "record"  # write it down only
    WARN = "warn"  # tell the group owner
    REMOVE = "remove"  # ask the owner to remove the member
    ALERT = "alert"  # immediate alert (fraud, porn): the ladder's top step


# Message types as msgaudit names them; anything else is judged by its text only.
TEXT_TYPES = frozenset({"text", "markdown"})


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    msgtype: str = "text"  # text, image, voice, video, file, link, card, miniprogram, redpacket, emotion …
    sender: str = ""  # external_userid or userid
    role: Role = Role.CUSTOMER
    chat_id: str = ""  # roomid of the customer group
    time: float | None = None  # when it was sent (epoch seconds); None → the moderator's clock
    msgid: str = ""
    url: str = ""  # link messages: the target address
    appid: str = ""  # mini-program messages: the mini program's appid
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One signal: which rule saw what, where, and how much it weighs."""

    rule: str
    category: str
    weight: int
    matched: str  # what matched, in the normalised form the rule reads
    original: str = ""  # the same span as the customer wrote it (may be empty for whole-message rules)
    note: str = ""  # how it was found: the normalisation steps, the threshold, the window
    span: tuple[int, int] = (0, 0)  # where `original` is in the message; (0, 0) for whole-message signals

    def describe(self) -> str:
        shown = f"“{self.original}”" if self.original and self.original != self.matched else ""
        parts = [f"[{self.rule}] {self.matched}", shown, f"+{self.weight}"]
        if self.note:
            parts.append(f"({self.note})")
        return " ".join(part for part in parts if part)


@dataclass(frozen=True, slots=True)
class Verdict:
    violation: bool
    rule: str | None  # the rule that decided (the strongest evidence), None when nothing was found
    category: str | None
    action: Action | None
    severity: Severity | None
    score: int  # sum of the evidence weights (each rule capped); violation when ≥ threshold
    threshold: int
    evidence: tuple[Evidence, ...] = ()
    normalized: str = ""  # the message after normalisation, as the word rules read it
    exempt: str = ""  # why the message was not judged (staff, allow-listed), else empty

    def explain(self) -> str:
        if self.exempt:
            return f"不处理: {self.exempt}"
        if not self.evidence:
            return "没有发现违规迹象"
        verdict = "违规" if self.violation else "未达到违规分数"
        lines = [f"{verdict}: 得分 {self.score}/{self.threshold}"
                 + (f", 由规则 {self.rule} 判定 ({self.category})" if self.violation else "")]
        lines.extend(f"  - {item.describe()}" for item in self.evidence)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "violation": self.violation,
            "rule": self.rule,
            "category": self.category,
            "action": self.action.value if self.action else None,
            "severity": self.severity.value if self.severity else None,
            "score": self.score,
            "threshold": self.threshold,
            "exempt": self.exempt or None,
            "normalized": self.normalized,
            "evidence": [
                {"rule": e.rule, "category": e.category, "weight": e.weight, "matched": e.matched,
                 "original": e.original, "note": e.note}
                for e in self.evidence
            ],
            "explanation": self.explain(),
        }
