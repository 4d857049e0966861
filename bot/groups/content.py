"""groups/types.yaml and groups/ladder.yaml, loaded and cross-checked as one unit.

Either both load and every reference resolves, or nothing is used and each problem is reported as
file:line:col. A content folder without groups/ is valid: groups are then registered but not moderated.
A schema error does not hide the other mistakes of its file: the rest is checked as far as it is valid
(bot/content/salvage.py), against the profiles and types as written.
"""

from __future__ import annotations

import fnmatch
import hashlib
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from bot.content.salvage import checked
from bot.content.source import ContentError, Document, Problem, load_document
from bot.content.suggest import one_of
from bot.engine.persona import Persona, Rules, lint_text
from bot.groups.spec import (
    NICKNAME,
    WELCOME_MAX_BYTES,
    GroupType,
    LadderFile,
    NoticeTexts,
    Profile,
    TypesFile,
)
from bot.moderation.spec import Category

FOLDER = "groups"
M = TypeVar("M", bound=BaseModel)
NOTICE_FIELDS = frozenset({"customer", "group", "group_type", "what", "reason", "category", "strike", "window_days",
                           "suggestion", "count", "lines", "more"})
# the detector's internals, which an owner cannot read (contact_id, 得分 9/3): the audit keeps them for operators
INTERNAL_FIELDS = {"rule": "规则名", "explanation": "打分细节"}


@dataclass(frozen=True)
class GroupContent:
    types: TypesFile
    ladder: LadderFile
    welcome_texts: dict[str, str]  # type id → the welcome text as sent (persona variables filled in)
    version: str
    # knowledge/moderation.yaml's categories (label and reason), for what owners read of a keyword hit
    categories: Mapping[str, Category] = field(default_factory=dict)

    def type_of(self, chat_id: str, name: str, owner: str) -> str:
        """The group type: by chat id, then by name, then by owner, else the default."""
        for type_id, spec in self.types.types.items():
            if chat_id in spec.match.chat_ids:
                return type_id
        for type_id, spec in self.types.types.items():
            if name and any(_name_matches(pattern, name) for pattern in spec.match.names):
                return type_id
        for type_id, spec in self.types.types.items():
            if owner and owner in spec.match.owners:
                return type_id
        return self.types.default

    def group_type(self, type_id: str) -> GroupType:
        return self.types.types.get(type_id) or self.types.types[self.types.default]

    def profile(self, type_id: str) -> Profile:
        return self.ladder.profiles[self.group_type(type_id).moderation]


def _name_matches(pattern: str, name: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(name, pattern)
    return pattern in name


def _version(folder: Path) -> str:
    digest = hashlib.sha1()
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def load_groups(root: Path, personas: Mapping[str, Persona], rules: Rules, default_persona: str | None = None,
                categories: Mapping[str, Category] | None = None,
                persona_files: Collection[str] | None = None) -> GroupContent | None:
    """Load root/groups/; None when the folder does not exist. Raises ContentError on any problem.

    categories: the detection categories of knowledge/moderation.yaml, when known, to check references and
    to give keyword rules without a `reason` their category's.
    persona_files: every persona/*.yaml by name, when some did not load (`siyu check` of broken content): a
    reference to one of them is not reported as missing.
    """
    folder = root / FOLDER
    if not folder.is_dir():
        return None
    problems: list[Problem] = []
    documents: dict[str, Document] = {}
    for name in ("types", "ladder"):
        path = folder / f"{name}.yaml"
        if not path.exists():
            problems.append(Problem(f"{FOLDER}/{name}.yaml", 1, 1, f"缺少文件 {name}.yaml"))
            continue
        try:
            documents[name] = load_document(path, f"{FOLDER}/{name}.yaml")
        except ContentError as error:
            problems.extend(error.problems)
    types, types_part = _checked(TypesFile, documents.get("types"), problems)
    ladder, ladder_part = _checked(LadderFile, documents.get("ladder"), problems)
    if ladder_part is not None:  # a wrong field does not hide an unknown category elsewhere in the file
        problems.extend(_check_ladder(*ladder_part))
        if categories is not None:
            problems.extend(_check_categories(*ladder_part, set(categories)))
    texts = {}
    if types_part is not None:
        types_spec, types_document = types_part
        persona = personas.get(types_spec.persona or default_persona or "") if personas else None
        if types_spec.persona and types_spec.persona not in (personas if persona_files is None else persona_files):
            problems.append(types_document.problem(("persona",), f"没有人设 persona/{types_spec.persona}.yaml"))
        problems.extend(_check_types(types_spec, _written(documents.get("ladder"), "profiles"), types_document,
                                     _written(documents.get("types"), "types") or set(types_spec.types)))
        for type_id, spec in types_spec.types.items():
            if spec.welcome is not None:
                text, found = _welcome_text(type_id, spec, persona, rules, types_document)
                texts[type_id] = text
                problems.extend(found)
    if problems or types is None or ladder is None:
        raise ContentError(problems or [Problem(FOLDER, 1, 1, "groups/ 无法加载")])
    return GroupContent(types=types, ladder=ladder, welcome_texts=texts, version=_version(folder),
                        categories=dict(categories or {}))


def _checked(model: type[M], document: Document | None, problems: list[Problem]
             ) -> tuple[M | None, tuple[M, Document] | None]:
    return checked(model, document, problems) if document is not None else (None, None)


def _written(document: Document | None, section: str) -> set[str] | None:
    """The keys of a mapping section as written, valid or not (one with a mistake is still there to name);
    None when the file or the section cannot be read as a mapping (its own problem says so)."""
    value = document.data.get(section) if document is not None and isinstance(document.data, dict) else None
    return {str(key) for key in value} if isinstance(value, dict) else None


def _check_types(types: TypesFile, profiles: set[str] | None, doc: Document, written: set[str]) -> list[Problem]:
    """profiles: ladder.yaml's as written (None: the file could not be read); written: the type ids as written."""
    problems = []
    if types.default not in written:
        problems.append(doc.problem(("default",), f"default 指向不存在的群类型 “{types.default}”；"
                                                 f"{one_of(types.default, written)}"))
    seen_chats: dict[str, str] = {}
    for type_id, spec in types.types.items():
        base = ("types", type_id)
        if profiles is not None and spec.moderation not in profiles:
            problems.append(doc.problem((*base, "moderation"),
                                        f"{type_id}: ladder.yaml 里没有审核方案 “{spec.moderation}”"))
        for index, pattern in enumerate(spec.match.names):
            if not pattern.strip("*? "):
                problems.append(doc.problem((*base, "match", "names", index),
                                            f"{type_id}: 群名规则 “{pattern}” 会匹配所有群，请写具体一点"))
        for index, chat_id in enumerate(spec.match.chat_ids):
            if chat_id in seen_chats:
                problems.append(doc.problem((*base, "match", "chat_ids", index),
                                            f"{type_id}: 群 {chat_id} 已经属于类型 “{seen_chats[chat_id]}”"))
            seen_chats[chat_id] = type_id
        if "staff" in spec.notify and not spec.staff:
            problems.append(doc.problem((*base, "notify"), f"{type_id}: notify 里有 staff，但没有写 staff 名单"))
    return problems


def _check_ladder(ladder: LadderFile, doc: Document) -> list[Problem]:
    problems = []
    for key in NoticeTexts.model_fields:
        text = getattr(ladder.notices.texts, key)
        for name in sorted(_fields_of(text) - NOTICE_FIELDS):
            if name in INTERNAL_FIELDS:
                problems.append(doc.problem(("notices", "texts", key),
                                            f"notices.texts.{key}: {{{name}}} 是{INTERNAL_FIELDS[name]}，群主看不懂；"
                                            "用 {reason}（规则或类别的 reason）和 {category}（类别的 label）"))
                continue
            problems.append(doc.problem(("notices", "texts", key),
                                        f"notices.texts.{key}: 不认识的变量 {{{name}}}；可用: "
                                        + " ".join(sorted(NOTICE_FIELDS))))
    actions = {"notify_owner", "ask_removal", "tag", "alert", "blacklist"}
    for key in ladder.suggestions:
        if key not in actions | {"untagged"}:  # untagged: said instead of tag's sentence when WeCom would not tag
            problems.append(doc.problem(("suggestions", key), f"suggestions: 没有动作 “{key}”；可用: "
                                        + " ".join(sorted(actions))))
    for index, step in enumerate(ladder.ladder.steps):
        if not step:
            problems.append(doc.problem(("ladder", "steps", index), f"第 {index + 1} 次违规没有写任何动作"))
    return problems


def _check_categories(ladder: LadderFile, doc: Document, categories: set[str]) -> list[Problem]:
    """Profiles and keyword rules name categories of knowledge/moderation.yaml (rule names may be ignored too)."""
    known = " ".join(sorted(categories))
    problems = []
    for name, profile in ladder.profiles.items():
        for index, category in enumerate(profile.severe):
            if category not in categories:
                message = f"profiles.{name}.severe: 没有类别 “{category}”；knowledge/moderation.yaml 里有: {known}"
                problems.append(doc.problem(("profiles", name, "severe", index), message))
    for rule_id, rule in ladder.keyword_rules.items():
        if rule.category not in categories:
            problems.append(doc.problem(("keyword_rules", rule_id, "category"),
                                        f"keyword_rules.{rule_id}: 没有类别 “{rule.category}”；可用: {known}"))
    return problems


def _fields_of(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:
        return {"<花括号不成对>"}


def _welcome_text(type_id: str, spec: GroupType, persona: Persona | None, rules: Rules,
                  doc: Document) -> tuple[str, list[Problem]]:
    assert spec.welcome is not None
    where = ("types", type_id, "welcome", "text")
    raw = spec.welcome.text
    problems = []
    unknown = _fields_of(raw) - {"self"}
    for name in sorted(unknown):
        problems.append(doc.problem(where, f"{type_id}: 欢迎语里只能用 {{self}} 和 {NICKNAME}，不认识 {{{name}}}"))
    text = raw.replace("{self}", persona.spec.self_name if persona else "") if not unknown else raw
    lowered = text.replace(NICKNAME, "")
    if "%nickname%" in lowered.lower():
        problems.append(doc.problem(where, f"{type_id}: 昵称占位符要写成 {NICKNAME}（大小写敏感）"))
    size = len(text.encode())
    if size > WELCOME_MAX_BYTES:
        problems.append(doc.problem(where, f"{type_id}: 欢迎语 {size} 字节，企业微信上限 {WELCOME_MAX_BYTES} 字节"))
    # the welcome is the persona talking: the same lint as everything she says, minus the chat length cap
    group_rules = rules.model_copy(update={"max_length": 10**6})
    palette = persona.spec.style.emoji if persona else []
    for message in lint_text(text, group_rules, palette):
        problems.append(doc.problem(where, f"{type_id}: {message}"))
    return text, problems
