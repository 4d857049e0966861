"""FAQ entries the matcher cannot tell apart: `siyu check` warns about them, at the phrasing's line.

A phrasing an operator wrote for one entry should, asked word for word, be answered by that entry. When
another entry comes within `clarify_margin` of it, the customer who asks exactly that gets a numbered
choice between two entries that read the same to the matcher; when another entry wins, they get its answer.
Either the two entries are one question (merge them) or what tells them apart is not in the words the
matcher reads (a filler word such as 得, a negation with nothing after it): the warning shows both
readings. The matcher keeps offering the choice: it cannot know which of two answers the operator meant.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from bot.content.source import Document, Problem, load_document
from bot.understanding.knowledge import FaqEntry
from bot.understanding.matcher import Decision, Understanding


@dataclass(frozen=True, slots=True)
class Overlap:
    entry: str  # the entry the phrasing belongs to
    index: int  # which of its questions
    phrasing: str
    other: str  # the entry that competes for it
    other_phrasing: str  # the other entry's phrasing (or keyword) that matched
    score: float  # the entry's own score
    other_score: float
    answered_by_other: bool  # asked word for word, the customer gets the other entry's answer


def overlaps(understanding: Understanding) -> list[Overlap]:
    """Each pair of entries that one of their own questions cannot tell apart, once, in file order."""
    found: list[Overlap] = []
    pairs: set[frozenset[str]] = set()
    for entry in understanding.knowledge.faq:
        for index, text in enumerate(entry.questions):
            candidates = understanding.search(text)[1]
            decision, answers, _, _ = understanding.decide(candidates)
            if decision is Decision.MISS or answers == [entry.id]:
                continue  # a miss is a phrasing the matcher cannot read at all: not an overlap
            other = next((c for c in candidates[:2] if c.entry != entry.id), None)
            if other is None or frozenset((entry.id, other.entry)) in pairs:
                continue
            pairs.add(frozenset((entry.id, other.entry)))
            own = next((c.score for c in candidates if c.entry == entry.id), 0.0)
            found.append(Overlap(entry.id, index, text, other.entry, other.matched, own, other.score,
                                 decision is Decision.ANSWER))
    return found


def _own(understanding: Understanding, entry: FaqEntry, other: FaqEntry, taken: set[str]) -> str:
    """The entry's first question the other entry does not also have; failing that, its first question with
    the beginning of its answer, so that the two read differently."""
    shared = {understanding.normalize(q) for q in other.questions} | taken
    own = next((q for q in entry.questions if understanding.normalize(q) not in shared), None)
    if own is not None:
        return own
    start = re.split(r"[，,。！!？?～~；;]", entry.answer or "")[0][:16]
    return f"{entry.questions[0]}（{start}）" if start else entry.questions[0]


def told_apart(understanding: Understanding, first: str, second: str) -> tuple[str, str]:
    """How a numbered choice names two entries (你是想问哪个呀？1. … 2. …): two texts the customer can tell
    apart, each a question of its own entry, even when both entries were written with the same phrasing."""
    a, b = understanding.faq_by_id[first], understanding.faq_by_id[second]
    said = _own(understanding, a, b, set())
    return said, _own(understanding, b, a, {understanding.normalize(said)})


def identical_phrasings(understanding: Understanding, document: Document) -> list[tuple[Problem, frozenset[str]]]:
    """A phrasing written in two entries, at the second, naming the first (and the pair of entries): asked as
    written, the customer gets a choice between them, or the other one's answer."""
    first: dict[str, tuple[str, str]] = {}  # normalized phrasing -> (entry id, where)
    found = []
    rows = document.data.get("entries") if isinstance(document.data, dict) else None
    for number, item in enumerate(rows if isinstance(rows, list) else []):
        entry = understanding.faq_by_id.get(str(item.get("id"))) if isinstance(item, dict) else None
        if entry is None:
            continue
        for index, text in enumerate(entry.questions):
            path = ("entries", number, "questions", index)
            key = understanding.normalize(text)
            if key in first and first[key][0] != entry.id:
                other, where = first[key]
                message = (f"提醒: 问法 “{text}” 在 {other}（{where}）和 {entry.id} 里都写了：顾客照这句问，"
                           "机器人分不出该答哪一条（请他二选一，或答成另一条）；一句问法只写在它该答的那一条里")
                found.append((document.problem(path, message), frozenset((other, entry.id))))
            else:
                first.setdefault(key, (entry.id, "{}:{}:{}".format(document.file, *document.where(path))))
    return found


def _reading(understanding: Understanding, text: str) -> str:
    analysis = understanding.analyze(understanding.normalize(text))
    words = "、".join(dict.fromkeys(analysis.words)) or "（没有词）"
    return words + (f" [{'、'.join(sorted(analysis.kinds))}]" if analysis.kinds else "")


def overlap_warnings(understanding: Understanding, faq_file: Path, display: str) -> list[Problem]:
    """The overlaps as warnings at the line of the phrasing (knowledge/faq.yaml:line:col: …); a pair of entries
    that share a phrasing word for word is said so, once per shared phrasing, instead."""
    document: Document = load_document(faq_file, display)
    identical = identical_phrasings(understanding, document)
    warnings = [warning for warning, _ in identical]
    said = {pair for _, pair in identical}
    rows = {item.get("id"): number for number, item in enumerate(document.data.get("entries") or [])
            if isinstance(item, dict)}
    for overlap in overlaps(understanding):
        if frozenset((overlap.entry, overlap.other)) in said:
            continue
        outcome = (f"机器人会答 {overlap.other} 的答案（{overlap.other_score:.0f} 分，它自己 {overlap.score:.0f} 分）"
                   if overlap.answered_by_other else
                   f"机器人只能请他二选一（{overlap.score:.0f} / {overlap.other_score:.0f} 分）")
        message = (f"提醒: {overlap.entry} 的 “{overlap.phrasing}” 和 {overlap.other} 的 “{overlap.other_phrasing}” "
                   f"分不开，顾客照这句问，{outcome}。机器人读到的是 "
                   f"{_reading(understanding, overlap.phrasing)} / {_reading(understanding, overlap.other_phrasing)}；"
                   f"是同一个问题就合并成一条，不是就把不同之处写进问法")
        path = ("entries", rows.get(overlap.entry, 0), "questions", overlap.index)
        warnings.append(document.problem(path, message))
    return warnings


REPEATABLE = {"questions": "问法", "keywords": "关键词"}


def repeat_warnings(faq_file: Path, display: str) -> list[Problem]:
    """A keyword or question written twice in one entry (the same as written: full- and half-width, upper and
    lower case alike), at the second, naming the first: it adds nothing and usually is a paste or a word meant
    for another entry. A synonym (视黄醇 for a醇) is not a repeat: the operator wrote it to be read."""
    document = load_document(faq_file, display)
    warnings = []
    rows = document.data.get("entries") if isinstance(document.data, dict) else None
    for number, item in enumerate(rows if isinstance(rows, list) else []):
        if not isinstance(item, dict):
            continue
        for field, what in REPEATABLE.items():
            seen: dict[str, str] = {}  # normalized -> where it was first written
            values = item.get(field)
            for index, text in enumerate(values if isinstance(values, list) else []):
                path = ("entries", number, field, index)
                key = unicodedata.normalize("NFKC", str(text)).strip().casefold()  # 國外 ≠ 国外: as written
                if key in seen:
                    warnings.append(document.problem(path, f"提醒: 条目 {item.get('id')} 的{what} “{text}” 写了两次"
                                                           f"（第一次在 {seen[key]}）：删掉这一个"))
                else:
                    seen[key] = "{}:{}:{}".format(document.file, *document.where(path))
    return warnings
