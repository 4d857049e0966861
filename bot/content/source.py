"""YAML with positions: every value remembers where it was written, so errors point at file:line:col.

PyYAML's composed nodes carry marks; they are turned into plain data plus a map from the path of each
value (("faq", 3, "answer")) to its line and column. Pydantic errors are mapped back through it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.fields import describe, fields_at
from bot.content.messages import empty_file, explain, not_utf8, read_as, too_big, unreadable
from bot.content.schema import Strict
from bot.content.suggest import one_of
from bot.content.syntax import control_character, quoted_line, syntax_problem
from bot.content.typos import FULL_WIDTH_SPACE, colon_problems, comma_problems, indent_message

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class ContentError(ValueError):
    """One or more problems in content files; nothing from them was loaded."""

    def __init__(self, problems: list[Problem], note: str = "") -> None:
        self.problems = sorted(problems)
        self.note = note  # one line for the operator: which checks were left out because a file did not load
        super().__init__("\n".join([*(str(p) for p in self.problems), *([note] if note else [])]))


@dataclass
class Document:
    file: str
    data: Any
    positions: dict[Path_, tuple[int, int]]
    # mistakes found while reading that leave the data usable (a full-width comma in a list, a key written twice):
    # reported by validate() together with the schema's, so that one does not hide the other
    problems: list[Problem] = field(default_factory=list)
    # where each mapping key itself was written (the value's line may be the next one, `mesages:` above its
    # children): an unknown key is reported at the key the operator typed, not at its value
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # a plain scalar YAML read as no text (yes → true, 12:30 → 750, 2026-11-11 → a date): its text as written
    raw: dict[Path_, str] = field(default_factory=dict)

    def where(self, path: Path_) -> tuple[int, int]:
        """The position of path, or of its nearest ancestor that has one."""
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.positions:
                return self.positions[path[:cut]]
        return (1, 1)

    def mistyped(self, path: Path_) -> bool:
        """Whether the value at path is on a line with a reading mistake (“痘痘，油皮” is one item because of the
        full-width comma): a check of that value would only repeat the mistake in other words."""
        return self.where(path)[0] in {problem.line for problem in self.problems}

    def problem(self, path: Path_, message: str) -> Problem:
        line, col = self.where(path)
        return Problem(self.file, line, col, message)

    def key_problem(self, path: Path_, message: str) -> Problem:
        """A problem with the key at path itself (a field the schema does not know): at the key as written."""
        line, col = self.keys.get(path) or self.where(path)
        return Problem(self.file, line, col, message)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _plain(node: yaml.Node, path: Path_, positions: dict[Path_, tuple[int, int]], found: list[Problem],
           file: str, keys: dict[Path_, tuple[int, int]], raw: dict[Path_, str] | None = None) -> Any:
    """Plain data of node; keys written twice go to `found` (the first one is kept, so the rest is checked)."""
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        first: dict[str, int] = {}  # key → the line it was first written on
        again: list[tuple[str, yaml.Node]] = []
        for key_node, value_node in node.value:
            # keys stay as written: YAML 1.1 would read `on:` and `yes:` as booleans
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(
                _plain(key_node, (*path, "<key>"), {}, found, file, {}, {}))
            if key in out:
                again.append((key, key_node))
                continue
            first[key] = key_node.start_mark.line + 1
            keys[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _plain(value_node, (*path, key), positions, found, file, keys, raw)
        found.extend(_written_twice(file, again, first, in_list=bool(path) and isinstance(path[-1], int)))
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), positions, found, file, keys, raw) for i, item in enumerate(node.value)]
    value = _scalar(node)
    if raw is not None and not isinstance(value, str) and isinstance(node, yaml.ScalarNode) and node.value:
        raw[path] = node.value
    return value


_constructors = threading.local()


def _scalar(node: yaml.Node) -> Any:
    """A scalar's value, its type resolved the way safe_load does. One constructor per thread, emptied after each
    use: making one per scalar was a quarter of the time of loading the bundled content (13,000 scalars)."""
    constructor = getattr(_constructors, "loader", None)
    if constructor is None:
        constructor = _constructors.loader = yaml.SafeLoader(" ")
    try:
        return constructor.construct_object(node)
    finally:
        constructor.constructed_objects.clear()
        constructor.recursive_objects.clear()


def _written_twice(file: str, again: list[tuple[str, yaml.Node]], first: dict[str, int], *,
                   in_list: bool) -> list[Problem]:
    """Keys written twice in one mapping, each said with the line of its first writing. In an item of a list, the
    usual cause is a new item whose “- ” was left out (its id, questions, answer … all land in the item above):
    one line names them all and says so."""
    if not again:
        return []
    if in_list and len(again) > 1:
        key, node = again[0]
        names = "、".join(dict.fromkeys(name for name, _ in again))
        line = node.start_mark.line + 1
        return [Problem(file, line, node.start_mark.column + 1,
                        f"重复的键 {names}：这一项里第 {first[key]} 行起已经写过它们。如果第 {line} 行起是新的一项，"
                        f"开头少了“- ”（写成 “- {key}: …”，和上一项的“- ”对齐）；不是的话每个字段只留一个")]
    hint = "；如果它是新的一项，开头少了“- ”" if in_list else ""
    return [Problem(file, node.start_mark.line + 1, node.start_mark.column + 1,
                    f"重复的键 “{key}”：同一层里这个字段写了两次（第一次在第 {first[key]} 行），只留一个{hint}")
            for key, node in again]


MAX_BYTES = 5 * 1024 * 1024  # the bundled files are under 60 KB; a 300 MB one took 40 s to parse, then passed


def oversized(path: Path) -> int | None:
    """The size of a content file too big to parse, else None (also when it cannot be looked at: reading says)."""
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return size if size > MAX_BYTES and path.is_file() else None


def read_text(path: Path, file: str) -> str:
    """The text of a content file; one that cannot be read (or is too big to be content) is a Problem saying
    which file and what to do."""
    size = oversized(path)
    if size is not None:
        raise ContentError([Problem(file, 1, 1, too_big(size, MAX_BYTES))])
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ContentError([Problem(file, 1, 1, unreadable(error))]) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ContentError([Problem(file, line, 1, not_utf8(file))]) from None


def load_document(path: Path, display: str | None = None) -> Document:
    file = display or str(path)
    text = read_text(path, file)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        line, col, message = syntax_problem(error, text, field_names())
        raise ContentError([Problem(file, line, col, f"YAML 语法错误: {message}{quoted_line(text, line)}")]) from None
    except yaml.reader.ReaderError as error:  # a control character pasted from Word or a web page
        raise ContentError([Problem(file, *control_character(text, error.character))]) from None
    if node is None:
        return Document(file, None, {})
    found = [Problem(file, *spot) for spot in comma_problems(node) + colon_problems(node, text, field_names())]
    positions: dict[Path_, tuple[int, int]] = {}
    keys: dict[Path_, tuple[int, int]] = {}
    raw: dict[Path_, str] = {}
    data = _plain(node, (), positions, found, file, keys, raw)
    return Document(file, data, positions, found, keys, raw)


def field_names() -> frozenset[str]:
    """Every field name (and alias) of the content schemas, to tell a field typed with `：` from text."""
    names: set[str] = set()
    todo: list[type[BaseModel]] = [Strict]
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        for name, info in model.model_fields.items():
            names.add(name)
            if info.alias:
                names.add(info.alias)
    return frozenset(names)


def validate(model: type[M], document: Document, data: Any = None, base: Path_ = ()) -> M:
    """Validate with pydantic; errors come back as Problems at the offending line."""
    if data is None and document.data is None and not base:  # an empty file, or one of comments only
        required = [info.alias or name for name, info in model.model_fields.items() if info.is_required()]
        raise ContentError([document.problem((), empty_file(required))])
    given = document.data if data is None else data
    try:
        valid = model.model_validate(given)
    except ValidationError as error:
        raise ContentError([*document.problems, *_schema_problems(model, document, error, given, base)]) from None
    if document.problems:
        raise ContentError(document.problems)
    return valid


def _schema_problems(model: type[BaseModel], document: Document, error: ValidationError, given: Any,
                     base: Path_) -> list[Problem]:
    """Every error pydantic found, in the operator's words; one on a line that already has a reading mistake
    (`- answer：好的` is text, not an entry) is that mistake's consequence and is left out."""
    problems = []
    for item in error.errors():
        loc = tuple(part for part in item["loc"]
                    if not (isinstance(part, str) and part.startswith("function")))
        where = describe(loc, given) or "（整个文件）"
        said = explain(item)
        unknown = item.get("type") == "extra_forbidden" and bool(loc)
        if unknown and str(loc[-1]).startswith(FULL_WIDTH_SPACE):  # `　　answer:` read as a key of the level above
            said = indent_message()
        elif item.get("type") == "string_type" and (*base, *loc) in document.raw:  # yes, 12:30 as text
            said = read_as(document.raw[(*base, *loc)], item.get("input"))
        elif unknown:  # tag: for tags: — name the field that was meant
            said += f" “{loc[-1]}”；{one_of(str(loc[-1]), fields_at(model, loc[:-1]) or [])}"
        if not document.mistyped((*base, *loc)):
            place = document.key_problem if unknown else document.problem
            problems.append(place((*base, *loc), f"{where}: {said}"))
    return problems
