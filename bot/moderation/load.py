"""Load and cross-check knowledge/moderation.yaml and the files it names; every problem at file:line:col."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.source import ContentError, Document, Path_, Problem, load_document, validate
from bot.content.suggest import one_of
from bot.moderation.model import NgramModel, load_model
from bot.moderation.spec import ModerationFile
from bot.moderation.text import TextNormalizer
from bot.moderation.words import LexiconLine, read_lexicon

log = logging.getLogger(__name__)

FILE_NAME = "moderation.yaml"
# rule ids the detectors use; word lists and lexicons may not take them
RESERVED_IDS = frozenset({"contact_id", "invite", "phone", "phone_cue", "link", "shop_code", "email", "flood",
                          "repeat", "wall", "model", "warning"})


@dataclass(frozen=True)
class ModerationContent:
    spec: ModerationFile
    file: str  # as shown to operators
    model: NgramModel | None = None
    lexicons: dict[str, list[LexiconLine]] = field(default_factory=dict)  # lexicon id → its lines


def _path(knowledge: Path, name: str) -> Path:
    candidate = Path(name).expanduser()
    return candidate if candidate.is_absolute() else knowledge / candidate


def _display(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def load_moderation(knowledge: Path, root: Path | None = None) -> ModerationContent | None:
    """knowledge/moderation.yaml with its model and lexicons, or None when the file does not exist."""
    root = (root or knowledge.parent).resolve()
    knowledge = knowledge.resolve()
    path = knowledge / FILE_NAME
    if not path.exists():
        return None
    document = load_document(path, _display(path, root))
    spec = validate(ModerationFile, document)
    problems = _cross_check(spec, document)
    model = None
    if spec.model is not None:
        model_path = _path(knowledge, spec.model.file)
        if not model_path.is_file():
            problems.append(document.problem(("model", "file"), f"找不到模型文件 {model_path}"))
        else:
            try:
                model = load_model(model_path, _display(model_path, root))
            except ContentError as error:
                problems.extend(error.problems)
    lexicons: dict[str, list[LexiconLine]] = {}
    for index, lexicon in enumerate(spec.lexicons):
        lexicon_path = _path(knowledge, lexicon.file)
        if not lexicon_path.is_file():
            if lexicon.optional:
                log.warning("moderation lexicon %s not found; skipped (optional)", lexicon_path)
                continue
            problems.append(document.problem(("lexicons", index, "file"), f"找不到词库文件 {lexicon_path}"))
            continue
        try:
            lexicons[lexicon.id] = read_lexicon(lexicon_path, _display(lexicon_path, root))
        except ContentError as error:
            problems.extend(error.problems)
    if problems:
        raise ContentError(problems)
    return ModerationContent(spec, document.file, model, lexicons)


def _cross_check(spec: ModerationFile, document: Document) -> list[Problem]:
    problems: list[Problem] = []
    categories = set(spec.categories)

    def category(path: Path_, name: str) -> None:
        if name not in categories:
            problems.append(document.problem(path, f"没有类别 “{name}”：categories 里没有定义它；"
                                                   f"{one_of(name, categories)}"))

    normalizer = TextNormalizer(spec.normalize.symbols, spec.normalize.tokens, spec.normalize.variants,
                                     spec.normalize.digits)
    seen_ids: dict[str, Path_] = {}
    for index, words in enumerate(spec.words):
        where: Path_ = ("words", index)
        category((*where, "category"), words.category)
        if words.id in RESERVED_IDS or words.id.startswith("msgtype_"):
            problems.append(document.problem((*where, "id"), f"“{words.id}” 是内置规则的名字，请换一个 id"))
        if words.id in seen_ids:
            first = "{}:{}:{}".format(document.file, *document.where((*seen_ids[words.id], "id")))
            problems.append(document.problem((*where, "id"), f"规则 id “{words.id}” 重复了（第一条在 {first}）："
                                                             "每条规则的 id 要不一样"))
        seen_ids[words.id] = where
        seen_words: set[str] = set()
        for position, word in enumerate(words.words):
            normal = normalizer.word(word)
            if not normal:
                problems.append(document.problem((*where, "words", position),
                                                 f"“{word}” 规范化后什么也不剩，无法匹配"))
            elif len(normal) < 2:
                problems.append(document.problem((*where, "words", position),
                                                 f"“{word}” 只有一个字，容易误伤正常消息；请写成更长的词组"))
            elif normal in seen_words:
                problems.append(document.problem((*where, "words", position),
                                                 f"“{word}” 在这个列表里重复了（规范化后相同）"))
            seen_words.add(normal)
    known = set(seen_ids) | RESERVED_IDS | {f"msgtype_{name}" for name in spec.msgtypes}
    known |= {lexicon.id for lexicon in spec.lexicons}
    for index, words in enumerate(spec.words):
        for position, required in enumerate(words.requires):
            if required not in known:
                problems.append(document.problem(("words", index, "requires", position), f"没有规则 “{required}”"))
    if spec.warnings is not None:
        for field in ("ignore", "unless"):
            for position, rule in enumerate(getattr(spec.warnings, field)):
                if rule not in known:
                    problems.append(document.problem(("warnings", field, position), f"没有规则 “{rule}”"))
    for section in ("contacts", "invite", "phones", "links", "flood", "repeat", "wall"):
        rule = getattr(spec, section)
        if rule is not None:
            category((section, "category"), rule.category)
    for name, kind in spec.msgtypes.items():
        category(("msgtypes", name, "category"), kind.category)
    if spec.model is not None:
        category(("model", "category"), spec.model.category)
    for index, lexicon in enumerate(spec.lexicons):
        where = ("lexicons", index)
        if lexicon.id in RESERVED_IDS or lexicon.id.startswith("msgtype_") or lexicon.id in seen_ids:
            problems.append(document.problem((*where, "id"), f"规则 id “{lexicon.id}” 重复或与内置规则同名"))
        seen_ids[lexicon.id] = where
        for name, mapping in lexicon.categories.items():
            category((*where, "categories", name, "category"), mapping.category)
        if lexicon.default is not None:
            category((*where, "default", "category"), lexicon.default.category)
    return problems
