"""One customer's profile: what the bot knows about them, and who set each fact (docs/profile.md).

It is plain data with the few rules that keep it consistent: one answer per survey question (its WeCom tag
replaces the tag of the previous answer), and tags that a staff member set or removed in WeCom are never
changed back by the bot (`human`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.profile.codebook import UNKNOWN, Codebook
from bot.store.codec import dumps

SCHEMA = 1
EVIDENCE_KEPT = 16
HISTORY_KEPT = 10
APPLIED_KEPT = 8
RANK = {"said": 1, "survey": 2, "staff": 3}  # who told us an answer: a mention never beats a survey answer


@dataclass
class Profile:
    customer: str = ""  # external_userid (shared by kf and contacts), or a member's userid
    schema: int = SCHEMA
    channel: str = ""  # acquisition channel of the first contact (活码 State, kf scene_param)
    first_seen: float = 0.0
    last_seen: float = 0.0  # the customer's last own action (message, new contact, opening the chat)
    sessions: int = 0  # conversation sessions; a gap longer than the policy's session_gap starts one
    codes: dict[str, str] = field(default_factory=dict)  # survey question → option code ("?" = skipped)
    sources: dict[str, str] = field(default_factory=dict)  # survey question → survey | said | staff
    tags: list[str] = field(default_factory=list)
    human: dict[str, str] = field(default_factory=dict)  # tag → "+" set / "-" removed by staff in WeCom
    evidence: list[list[Any]] = field(default_factory=list)  # [kind, weight, at, detail], newest last
    opted_out_at: float = 0.0  # 别推了: no proactive recommendation or marketing follow-up, ever
    ask_answered_at: float = 0.0  # the latest explicit ask that has had its answer
    offers: list[list[Any]] = field(default_factory=list)  # [product, at, how] how = asked | proactive
    budget: list[Any] = field(default_factory=list)  # [most yuan (0: under what was offered), at, said, earlier sum]
    refusals: list[list[Any]] = field(default_factory=list)  # [product, at]
    light_at: float = 0.0  # the one light mention a cold customer gets
    purchases: list[list[Any]] = field(default_factory=list)  # [product, at]
    disliked: list[list[Any]] = field(default_factory=list)  # [product, at, what she said]: tried it, not again
    staff: dict[str, list[str]] = field(default_factory=dict)  # staff userid → our tags WeCom has there
    churned_at: float = 0.0  # the customer deleted the staff member (del_follow_user)
    applied: list[str] = field(default_factory=list)  # the last event ids applied (redeliveries)
    tag_rev: int = 0  # bumped on every tag change: the tag sync knows what it has pushed

    # -- serialisation ---------------------------------------------------------------------------
    def to_json(self) -> str:
        # vars(), not asdict(): every field is already plain JSON data, and asdict's deep copy costs more
        # than the rest of a turn
        return dumps(vars(self))

    @classmethod
    def from_json(cls, raw: str) -> Profile:
        data = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    # -- facts -----------------------------------------------------------------------------------
    @property
    def opted_out(self) -> bool:
        return self.opted_out_at > 0

    @property
    def purchased(self) -> bool:
        return bool(self.purchases)

    def known(self, question: str) -> bool:
        """Answered, or asked and skipped: either way the survey does not ask it again."""
        return question in self.codes

    def answered(self, question: str) -> str | None:
        code = self.codes.get(question)
        return None if code in (None, UNKNOWN) else code

    def seen(self, now: float, session_gap: float, channel: str = "") -> bool:
        """The customer acted; True when this starts a new session."""
        if not self.first_seen:
            self.first_seen = now
            self.channel = self.channel or channel
        new = not self.last_seen or now - self.last_seen > session_gap
        if new:
            self.sessions += 1
        self.last_seen = max(self.last_seen, now)
        return new

    # -- tags --------------------------------------------------------------------------------------
    def add_tags(self, tags: list[str]) -> list[str]:
        """Add tags as the bot; returns the ones refused because a staff member removed them."""
        refused = []
        for tag in tags:
            if self.human.get(tag) == "-":
                refused.append(tag)
            elif tag not in self.tags:
                self.tags.append(tag)
                self.tag_rev += 1
        return refused

    def remove_tags(self, tags: list[str]) -> list[str]:
        """Remove tags as the bot; returns the ones kept because a staff member set them."""
        kept = [t for t in tags if t in self.tags and self.human.get(t) == "+"]
        remaining = [t for t in self.tags if t not in tags or t in kept]
        if remaining != self.tags:
            self.tags = remaining
            self.tag_rev += 1
        return kept

    def set_answer(self, codebook: Codebook, question: str, code: str, source: str) -> list[str]:
        """Record one answer (or "?"); its tag replaces the previous answer's. Returns notes for /debug.

        A weaker source never overwrites a stronger one: a mention (said) does not change a survey answer,
        and nothing the bot learns changes what a staff member set.
        """
        current = self.sources.get(question)
        if current == "staff" and source != "staff":
            return [f"{question} 是员工在企业微信里设的，机器人不改"]
        if current is not None and self.answered(question) and RANK[source] < RANK[current]:
            return [f"{question} 已从 {current} 得知，{source} 不改它"]
        notes = []
        spec = codebook.questions.get(question)
        others = [o.tag_name for c, o in spec.options.items() if c != code] if spec else []
        kept = self.remove_tags(others) if source != "staff" else self._staff_remove(others)
        notes += [f"标签 {t} 是员工设的，保留" for t in kept]
        self.codes[question] = code
        self.sources[question] = source
        option = codebook.option(question, code)
        if option is not None:
            refused = self.add_tags([option.tag_name]) if source != "staff" else self._staff_add([option.tag_name])
            notes += [f"标签 {t} 被员工去掉过，机器人不再打" for t in refused]
        return notes

    def clear_answer(self, codebook: Codebook, question: str, source: str) -> list[str]:
        """Forget an answer that no longer holds (断奶了: no longer 哺乳期), with its tags; the same ranks as
        set_answer: a mention does not clear what a survey or a staff member set."""
        current = self.sources.get(question)
        if current is not None and RANK[source] < RANK[current]:
            return [f"{question} 已从 {current} 得知，{source} 不改它"]
        spec = codebook.questions.get(question)
        kept = self.remove_tags([o.tag_name for o in spec.options.values()] if spec else [])
        self.codes.pop(question, None)
        self.sources.pop(question, None)
        return [f"标签 {t} 是员工设的，保留" for t in kept]

    # -- what staff did in WeCom (the tag sync reports it) ------------------------------------------
    def staff_changed(self, codebook: Codebook, added: list[str], removed: list[str]) -> None:
        """A human added or removed tags in WeCom: the profile follows and remembers not to undo it."""
        for tag in added:
            info = codebook.tags.get(tag)
            if info is not None and info.question:
                self.set_answer(codebook, info.question, info.code, "staff")
            self._staff_add([tag])
        for tag in removed:
            self._staff_remove([tag])
            info = codebook.tags.get(tag)
            if info is not None and info.question and self.codes.get(info.question) == info.code:
                self.codes[info.question] = UNKNOWN  # known to be unknown: not asked again, not re-guessed
                self.sources[info.question] = "staff"

    def _staff_add(self, tags: list[str]) -> list[str]:
        for tag in tags:
            self.human[tag] = "+"
            if tag not in self.tags:
                self.tags.append(tag)
                self.tag_rev += 1
        return []

    def _staff_remove(self, tags: list[str]) -> list[str]:
        for tag in tags:
            if tag in self.tags:
                self.human[tag] = "-"
                self.tags.remove(tag)
                self.tag_rev += 1
        return []

    # -- the sales history -------------------------------------------------------------------------
    def add_evidence(self, kind: str, weight: float, at: float, detail: str) -> None:
        self.evidence.append([kind, weight, round(at, 1), detail[:24]])
        del self.evidence[:-EVIDENCE_KEPT]

    def relabel_evidence(self, kind: str, new_kind: str) -> None:
        for item in self.evidence:
            if item[0] == kind:
                item[0] = new_kind

    def opt_out(self, at: float) -> None:
        if not self.opted_out_at:
            self.opted_out_at = at

    def record_offer(self, product: str, at: float, how: str) -> None:
        self.offers.append([product, round(at, 1), how])
        del self.offers[:-HISTORY_KEPT]

    def record_refusal(self, at: float) -> None:
        product = self.offers[-1][0] if self.offers else ""
        self.refusals.append([product, round(at, 1)])
        del self.refusals[:-HISTORY_KEPT]

    def record_purchase(self, product: str, at: float) -> None:
        self.purchases.append([product, round(at, 1)])
        del self.purchases[:-HISTORY_KEPT]

    def record_dislike(self, product: str, at: float, said: str) -> None:
        """She tried it and did not like it (A醇那个我用过 不好用): it is not recommended to her again."""
        self.disliked = [d for d in self.disliked if d[0] != product]
        self.disliked.append([product, round(at, 1), said[:24]])
        del self.disliked[:-HISTORY_KEPT]

    def remember(self, event_id: str) -> None:
        if event_id and event_id not in self.applied:
            self.applied.append(event_id)
            del self.applied[:-APPLIED_KEPT]
