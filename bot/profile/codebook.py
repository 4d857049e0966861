"""The codebook (knowledge/codebook.yaml): survey questions in the 高姿 style, code → label → WeCom tag.

    unknown: [不知道, 不清楚, 跳过]        # answers that skip one question (recorded as unknown, "?")
    questions:
      concern:
        group: 护肤困扰                    # the WeCom tag group
        options:
          "3": {label: 痘痘, answers: [长痘, 闭口], mentions: [爆痘, 冒痘]}
          D: {label: 想解决, evidence: want}
    groups:                                # tags that flows set, synced to WeCom as well
      互动: [新客, 冷淡]

A customer answers with the code (3, D, ｄ), the label, one of `answers`, or words that contain one;
`together` (groups of words, one of each said: 夏天油冬天干 → 混合肌) reads an answer that needs a little inference.
`mentions` are phrases that reveal the answer in any message (爆痘 → 痘痘): the survey pre-fills them.
`others` name other people (老公, 我妈): what a message says about them is not her answer (profile/others.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from bot.content.salvage import checked
from bot.content.schema import Strict
from bot.content.source import ContentError, Document, Problem, load_document

UNKNOWN = "?"  # the code stored for a question that was asked and skipped
_CODE = re.compile(r"^[0-9A-Za-z]{1,3}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")



def _listed(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Option(Strict):
    label: str = Field(min_length=1)
    tag: str | None = None  # the WeCom tag; the label when not given
    answers: list[str] = []  # what customers reply for it
    mentions: list[str] = []  # phrases that reveal it in any message
    together: list[list[str]] = []  # groups of words: one of each said in a reply chooses it (油 + 干 → 混合肌)
    evidence: str | None = None  # a need-evidence kind (knowledge/policy.yaml) that choosing it adds

    _lists = field_validator("answers", "mentions", mode="before")(_listed)

    @property
    def tag_name(self) -> str:
        return self.tag or self.label


class Move(Strict):
    """She says her situation changed (生完了: 孕期 → 哺乳期; 断奶了: 哺乳期 → none): `when` the answer is one of
    these labels (or there is none, with `unanswered`), `said` moves it `to` another label ("" clears it). Of the
    moves a message says, the first in file order whose `when` holds applies (one a question)."""

    said: list[str] = Field(min_length=1)
    when: list[str] = Field(min_length=1)  # labels of the options it moves from
    to: str = ""  # the label it moves to; "" clears the answer
    say: str = ""  # the persona's line when it moves (恭喜呀, 记下啦), a key of persona/*.yaml
    unanswered: bool = False  # True: also when the question has no answer yet (生完了, said before any 怀孕)

    _lists = field_validator("said", "when", mode="before")(_listed)


class Question(Strict):
    group: str = Field(min_length=1)
    options: dict[str, Option] = Field(min_length=1)
    wecom: bool = True  # False: the answer stays in the bot's profile, never a WeCom tag (孕期: health information)
    herself: list[str] = []  # in a question its mentions count only beside one of these (我怀孕了能用吗, 孕妇能用吗 no)
    latest: bool = False  # True: what she says later replaces what she said earlier (备孕 → 怀孕了)
    moves: list[Move] = []  # 生完了 / 断奶了: her answer moves to another option, or is cleared

    @model_validator(mode="after")
    def _moves(self) -> Question:
        labels = {option.label for option in self.options.values()}
        for move in self.moves:
            unknown = [label for label in (*move.when, move.to) if label and label not in labels]
            if unknown:
                raise ValueError(f"moves 里的 {'、'.join(unknown)} 不是这一题的选项名（{'、'.join(sorted(labels))}）")
        return self

    @field_validator("options")
    @classmethod
    def _codes(cls, value: dict[str, Option]) -> dict[str, Option]:
        for code in value:
            if not _CODE.match(code):
                raise ValueError(f"编码 “{code}” 只能是 1-3 个数字或字母")
        return value


class CodebookFile(Strict):
    unknown: list[str] = []
    no_preference: list[str] = []  # 都可以, 随便 at a choice: no option preferred, the question is skipped like unknown
    others: list[str] = []  # other people (老公, 我妈): what is said about them is not her answer
    acquaintances: list[str] = []  # 朋友, 同事: not others (朋友推荐来的，油皮 is hers), but 我朋友 is not 我 (herself)
    degrees: list[str] = []  # 有点, 比较, 偏: a reply of a degree and an answer (有点干, 偏油) is that answer
    questions: dict[str, Question] = {}
    groups: dict[str, list[str]] = {}

    _unknown = field_validator("unknown", "no_preference", "others", "degrees", mode="before")(_listed)


@dataclass(frozen=True)
class TagInfo:
    group: str
    question: str = ""  # "" for a tag of `groups`
    code: str = ""


class Codebook:
    def __init__(self, spec: CodebookFile) -> None:
        self.spec = spec
        self.questions = spec.questions
        self.unknown = [*spec.unknown, *spec.no_preference]  # both skip the question (recorded as "?")
        self.others = list(spec.others)
        self.acquaintances = list(spec.acquaintances)
        self.degrees = list(spec.degrees)
        self.tags: dict[str, TagInfo] = {}
        for qid, question in spec.questions.items():
            for code, option in question.options.items() if question.wecom else ():
                self.tags.setdefault(option.tag_name, TagInfo(question.group, qid, code))
        for group, names in spec.groups.items():
            for name in names:
                self.tags.setdefault(name, TagInfo(group))

    @classmethod
    def empty(cls) -> Codebook:
        return cls(CodebookFile())

    def option(self, question: str, code: str) -> Option | None:
        spec = self.questions.get(question)
        return spec.options.get(code) if spec else None

    def code_of(self, question: str, label: str) -> str | None:
        spec = self.questions.get(question)
        for code, option in (spec.options.items() if spec else ()):
            if option.label == label:
                return code
        return None

    def label(self, question: str, code: str | None) -> str:
        option = self.option(question, code or "")
        return option.label if option else ""

    def render(self, question: str) -> str:
        """The options as customers see them: "1 干皮 2 油皮 3 混合肌"."""
        spec = self.questions.get(question)
        return " ".join(f"{code} {o.label}" for code, o in spec.options.items()) if spec else ""

    def groups(self) -> dict[str, list[str]]:
        """Every WeCom tag group and its tags, in file order."""
        out: dict[str, list[str]] = {}
        for tag, info in self.tags.items():
            out.setdefault(info.group, []).append(tag)
        return out

    def moves(self) -> list[tuple[str, str, Move]]:
        """(phrase, question, move) for every phrase of a question's `moves`, longest first."""
        found = [(phrase, qid, move) for qid, q in self.questions.items() for move in q.moves for phrase in move.said]
        return sorted(found, key=lambda item: len(item[0]), reverse=True)

    def mentions(self) -> list[tuple[str, str, str]]:
        """(phrase, question, code) for every `mentions` phrase, longest first."""
        found = [(phrase, qid, code) for qid, q in self.questions.items() for code, o in q.options.items()
                 for phrase in o.mentions]
        return sorted(found, key=lambda item: len(item[0]), reverse=True)


def load_codebook(folder: Path, root: Path) -> Codebook:
    """knowledge/codebook.yaml, checked; a missing file is an empty codebook (no survey codes, no tags)."""
    path = folder / "codebook.yaml"
    if not path.exists():
        return Codebook.empty()
    display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    document = load_document(path, display)
    problems: list[Problem] = []
    spec, salvaged = checked(CodebookFile, document, problems)
    if salvaged is not None:  # a wrong option does not hide tags used twice elsewhere in the file
        problems.extend(_check(*salvaged))
    if problems or spec is None:
        raise ContentError(problems)
    return Codebook(spec)


def _check(spec: CodebookFile, doc: Document) -> list[Problem]:
    problems: list[Problem] = []
    seen_tags: dict[str, str] = {}
    groups: dict[str, str] = {}

    def tag(name: str, where: tuple[str | int, ...], owner: str) -> None:
        if name in seen_tags:
            problems.append(doc.problem(where, f"标签 “{name}” 重复了（{seen_tags[name]} 里已有），"
                                               "企业微信里一个标签只能对应一个选项"))
        seen_tags.setdefault(name, owner)

    for qid, question in spec.questions.items():
        if not _NAME.match(qid):
            problems.append(doc.problem(("questions", qid), f"题目 id “{qid}” 只能用小写字母、数字、下划线"))
        if question.group in groups:
            problems.append(doc.problem(("questions", qid, "group"),
                                        f"标签组 “{question.group}” 已被 {groups[question.group]} 使用"))
        groups.setdefault(question.group, qid)
        labels: set[str] = set()
        for code, option in question.options.items():
            where: tuple[str | int, ...] = ("questions", qid, "options", code)
            if option.label in labels:
                problems.append(doc.problem((*where, "label"), f"选项名 “{option.label}” 在这一题里重复了"))
            labels.add(option.label)
            tag(option.tag_name, where, qid)
        problems.extend(_ambiguous(qid, question, doc))
        for code, option in question.options.items():
            if option.together and (len(option.together) < 2 or not all(option.together)):
                problems.append(doc.problem(("questions", qid, "options", code, "together"),
                                            "together 至少写两组说法，每组至少一个（如 [[油, 出油], [干, 起皮]]）"))
    for group, names in spec.groups.items():
        if group in groups:
            problems.append(doc.problem(("groups", group), f"标签组 “{group}” 已被 {groups[group]} 使用"))
        for index, name in enumerate(names):
            tag(name, ("groups", group, index), group)
    return problems


def _ambiguous(qid: str, question: Question, doc: Document) -> list[Problem]:
    """A phrase that two options of one question both claim: the customer's answer would silently go to
    whichever comes first. Labels and answers are one namespace (a reply to the question), mentions another
    (any message)."""
    problems: list[Problem] = []
    for fields in (("answers",), ("mentions",)):
        owner: dict[str, str] = {option.label.casefold(): code for code, option in question.options.items()}
        for code, option in question.options.items():
            for name in fields:
                for index, phrase in enumerate(getattr(option, name)):
                    first = owner.setdefault(str(phrase).casefold(), code)
                    if first != code:
                        problems.append(doc.problem(("questions", qid, "options", code, name, index),
                                                    f"“{phrase}” 在 {qid} 的选项 {first} 和 {code} 里都有，"
                                                    "顾客这样说时分不清是哪一个"))
    return problems
