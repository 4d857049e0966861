"""Load and cross-check knowledge/moderation.yaml and the files it names; every problem at file:line:col.

A schema error does not hide the file's other mistakes: the rest of the file is checked as far as it is valid
(bot/content/salvage.py), against the categories and rule ids as written, so that an entry left out for its
own mistake is not also reported as missing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.salvage import checked
from bot.content.source import ContentError, Document, Path_, Problem, load_document
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
    problems: list[Problem] = []
    spec, salvaged = checked(ModerationFile, document, problems)
    model: NgramModel | None = None
    lexicons: dict[str, list[LexiconLine]] = {}
    if salvaged is not None:  # a wrong field does not hide an unknown category elsewhere in the file
        part, part_document = salvaged
        problems.extend(_written_ids(document))
        problems.extend(_cross_check(part, part_document, document.data))
        model = _model(part, part_document, knowledge, root, problems)
        lexicons = _lexicons(part, part_document, knowledge, root, problems)
    if problems:
        raise ContentError(problems)
    assert spec is not None
    return ModerationContent(spec, document.file, model, lexicons)


def _model(spec: ModerationFile, document: Document, knowledge: Path, root: Path,
           problems: list[Problem]) -> NgramModel | None:
    if spec.model is None:
        return None
    model_path = _path(knowledge, spec.model.file)
    if not model_path.is_file():
        problems.append(document.problem(("model", "file"), f"找不到模型文件 {model_path}"))
        return None
    try:
        return load_model(model_path, _display(model_path, root))
    except ContentError as error:
        problems.extend(error.problems)
        return None


def _lexicons(spec: ModerationFile, document: Document, knowledge: Path, root: Path,
              problems: list[Problem]) -> dict[str, list[LexiconLine]]:
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
    return lexicons


def _written(data: object, section: str) -> list[tuple[Path_, object]]:
    """(path, key or id) of each entry of a mapping section, or of each list item with an id, as written: valid
    or not (an entry left out for its own mistake is still there to refer to)."""
    value = data.get(section) if isinstance(data, dict) else None
    if isinstance(value, dict):
        return [((section, key), key) for key in value]
    if isinstance(value, list):
        return [((section, index), item.get("id")) for index, item in enumerate(value) if isinstance(item, dict)]
    return []


def _written_ids(document: Document) -> list[Problem]:
    """Rule ids of word lists and lexicons that are built-in names or written twice (checked as written, so
    that an entry with another mistake still counts)."""
    problems: list[Problem] = []
    seen: dict[str, Path_] = {}
    for section in ("words", "lexicons"):
        for where, rule in _written(document.data, section):
            if not isinstance(rule, str):
                continue
            if section == "lexicons" and (rule in RESERVED_IDS or rule.startswith("msgtype_") or rule in seen):
                problems.append(document.problem((*where, "id"), f"规则 id “{rule}” 重复或与内置规则同名"))
            elif rule in RESERVED_IDS or rule.startswith("msgtype_"):
                problems.append(document.problem((*where, "id"), f"“{rule}” 是内置规则的名字，请换一个 id"))
            elif rule in seen:
                first = "{}:{}:{}".format(document.file, *document.where((*seen[rule], "id")))
                problems.append(document.problem((*where, "id"), f"规则 id “{rule}” 重复了（第一条在 {first}）："
                                                                 "每条规则的 id 要不一样"))
            seen.setdefault(rule, where)
    return problems


def _cross_check(spec: ModerationFile, document: Document, written: object) -> list[Problem]:
    """Categories and rule ids referred to, and the words of each list: `spec` is the file as far as it is
    valid, `document` its positions; what exists is what was `written` (the file's data: a category or a rule
    left out for its own mistake is still there to refer to)."""
    categories = {str(name) for _, name in _written(written, "categories")}
    problems = [document.problem(path, f"没有类别 “{name}”：categories 里没有定义它；{one_of(name, categories)}")
                for path, name in _categories_named(spec) if categories and name not in categories]
    problems.extend(_word_problems(spec, document))
    if _readable(written):  # a section of rules that is not a list at all says so itself
        known = RESERVED_IDS | {f"msgtype_{name}" for _, name in _written(written, "msgtypes")}
        known |= {rule for section in ("words", "lexicons") for _, rule in _written(written, section)
                  if isinstance(rule, str)}
        for index, words in enumerate(spec.words):
            problems.extend(document.problem(("words", index, "requires", position), f"没有规则 “{required}”")
                            for position, required in enumerate(words.requires) if required not in known)
        for field in ("ignore", "unless") if spec.warnings is not None else ():
            problems.extend(document.problem(("warnings", field, position), f"没有规则 “{rule}”")
                            for position, rule in enumerate(getattr(spec.warnings, field)) if rule not in known)
    return problems


def _readable(written: object) -> bool:
    """Whether the sections that define rule ids are as the schema wants them (or absent)."""
    data = written if isinstance(written, dict) else {}
    return (all(isinstance(data.get(section), list | None) for section in ("words", "lexicons"))
            and isinstance(data.get("msgtypes"), dict | None))


def _categories_named(spec: ModerationFile) -> Iterator[tuple[Path_, str]]:
    """Where each word list, detector, message type, the model and each lexicon name a category."""
    for index, words in enumerate(spec.words):
        yield ("words", index, "category"), words.category
    for section in ("contacts", "invite", "phones", "links", "flood", "repeat", "wall"):
        rule = getattr(spec, section)
        if rule is not None:
            yield (section, "category"), rule.category
    for name, kind in spec.msgtypes.items():
        yield ("msgtypes", name, "category"), kind.category
    if spec.model is not None:
        yield ("model", "category"), spec.model.category
    for index, lexicon in enumerate(spec.lexicons):
        for name, mapping in lexicon.categories.items():
            yield ("lexicons", index, "categories", name, "category"), mapping.category
        if lexicon.default is not None:
            yield ("lexicons", index, "default", "category"), lexicon.default.category


def _word_problems(spec: ModerationFile, document: Document) -> list[Problem]:
    """Words that normalise to nothing, to one character, or to another word of the same list."""
    problems: list[Problem] = []
    normalizer = TextNormalizer(spec.normalize.symbols, spec.normalize.tokens, spec.normalize.variants,
                                spec.normalize.digits)
    for index, words in enumerate(spec.words):
        seen: set[str] = set()
        for position, word in enumerate(words.words):
            normal, where = normalizer.word(word), ("words", index, "words", position)
            if not normal:
                problems.append(document.problem(where, f"“{word}” 规范化后什么也不剩，无法匹配"))
            elif len(normal) < 2:
                problems.append(document.problem(where, f"“{word}” 只有一个字，容易误伤正常消息；请写成更长的词组"))
            elif normal in seen:
                problems.append(document.problem(where, f"“{word}” 在这个列表里重复了（规范化后相同）"))
            seen.add(normal)
    return problems
