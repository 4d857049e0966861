"""YAML with positions: every value remembers where it was written, so errors point at file:line:col.

PyYAML's composed nodes carry marks; they are turned into plain data plus a map from the path of each
value (("faq", 3, "answer")) to its line and column. Pydantic errors are mapped back through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.content.fields import describe, fields_at
from bot.content.messages import empty_file, explain, not_utf8, too_big, unreadable
from bot.content.schema import Strict
from bot.content.suggest import one_of
from bot.content.typos import (
    FULL_WIDTH_SPACE,
    colon_problems,
    comma_problems,
    indent_message,
    syntax_colon,
    syntax_indent,
)

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
           file: str, keys: dict[Path_, tuple[int, int]]) -> Any:
    """Plain data of node; keys written twice go to `found` (the first one is kept, so the rest is checked)."""
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            # keys stay as written: YAML 1.1 would read `on:` and `yes:` as booleans
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(
                _plain(key_node, (*path, "<key>"), {}, found, file, {}))
            if key in out:
                line = key_node.start_mark.line + 1
                found.append(Problem(file, line, key_node.start_mark.column + 1,
                                     f"重复的键 “{key}”：同一层里这个字段写了两次，只留一个"))
                continue
            keys[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _plain(value_node, (*path, key), positions, found, file, keys)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), positions, found, file, keys) for i, item in enumerate(node.value)]
    constructor = yaml.SafeLoader(" ")  # scalars: resolve types the way safe_load does
    return constructor.construct_object(node)


# PyYAML's own words → what an operator should look for (PyYAML's English is not shown: it says nothing to them)
_HINTS = (
    ("mapping values are not allowed", "一行里有第二个“: ”：文字里带冒号就整句加引号，或者检查缩进"),
    ("expected ',' or ']'", "方括号 [ ] 没有配对：少了 ]，或者文字里带逗号、括号要加引号"),
    ("expected ',' or '}'", "花括号 { } 没有配对：少了 }"),
    ("expected <block end>", "缩进没有对齐：同一层的字段要用同样多的空格开头"),
    ("quoted scalar", "引号没有配对：少了结尾的引号"),
    ("did not find expected key", "缩进没有对齐，或者一行既不是“字段: 值”也不是“- 一项”：检查这一行和上一行的开头"),
    ("could not find expected ':'", "这一行少了“: ”；如果它接着上一行的文字，要比上一行的字段名多缩进几格"),
    ("did not find expected node content", "这里少了内容：方括号或花括号里多了逗号，或者值还没写完"),
    ("undefined alias", "* 开头的写法在 YAML 里有特殊意思：文字以 * 开头就整句加引号"),
    ("cannot start any token", "这个字符（@ ` 等）不能放在开头：整句加引号"),
    ("did not find expected '-' indicator", "列表的缩进没有对齐：每一项“- ”要对齐"),
    ("did not find expected alphabetic or numeric character", "& 或 * 后面要有名字：文字里带它们就整句加引号"),
    ("found unknown escape character", "双引号里的 \\ 不对：要写 \\ 本身就改用单引号"),
    ("found unexpected end of stream", "文件在一句话中间结束了：少了结尾的引号或括号"),
)


def _yaml_hint(error: yaml.MarkedYAMLError, text: str) -> str:
    mark = error.problem_mark or error.context_mark
    lines = text.splitlines()
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
        return "这一行有 Tab，YAML 只认空格缩进：把 Tab 换成空格"
    said = f"{error.context or ''} {error.problem or ''}".strip()
    for found, hint in _HINTS:
        if found in said:
            return hint
    return "这里的写法 YAML 读不懂：看看这一行和上一行的缩进、冒号、引号和括号"


# errors PyYAML notices only after the line that has them: the context mark is where that line's key or quote began
_AT_CONTEXT = ("while scanning a simple key", "while scanning a quoted scalar")
_IN_BRACKETS = ("while parsing a flow mapping", "while parsing a flow sequence")  # the mark is at its { or [


def _indent(line: str) -> int:
    """How far the line's content starts, a list item's `- ` counted as indentation."""
    return len(line) - len(line.lstrip(" -")) if line.strip(" -") else 0


def _unclosed(error: yaml.MarkedYAMLError, text: str) -> bool:
    """A { or [ never closed: PyYAML notices it on the next line that is not indented under the bracket's line
    (`concern: {concern` then `session_gap: 30m`). A list going on over lines indented deeper (questions: [a,
    ⏎ b c]) is a missing comma where PyYAML stopped, and stays there."""
    opened, stopped = error.context_mark, error.problem_mark
    if error.context not in _IN_BRACKETS or opened is None or stopped is None or stopped.line <= opened.line:
        return False
    lines = text.splitlines()
    after = lines[stopped.line] if stopped.line < len(lines) else ""
    return _indent(after) <= _indent(lines[opened.line])


def _error_mark(error: yaml.MarkedYAMLError, text: str) -> yaml.Mark | None:
    """Where the operator must look. PyYAML's problem mark is where it gave up: for a line without its “: ”
    (`answer 好的`, or the next line of a text indented less than its field) that is the start of the line
    after, one line too far; the line itself is where the key it was scanning began (the context mark). A quote
    never closed is found at the end of the file, and a bracket never closed on a line after: the operator looks
    for where it was opened."""
    if (error.context in _AT_CONTEXT and error.context_mark is not None) or _unclosed(error, text):
        return error.context_mark
    return error.problem_mark or error.context_mark


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
        mark = _error_mark(error, text)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)  # PyYAML counts from 0, editors from 1
        context = error.context_mark.line if error.context_mark is not None else None
        colon = (syntax_indent(text, mark.line, context) or syntax_colon(text, mark.line, context, field_names())
                 if mark else None)
        if colon is not None:  # answer：好的 or 　　answer — typed with a Chinese input method
            raise ContentError([Problem(file, colon[0], colon[1], f"YAML 语法错误: {colon[2]}")]) from None
        raise ContentError([Problem(file, line, col, f"YAML 语法错误: {_yaml_hint(error, text)}")]) from None
    if node is None:
        return Document(file, None, {})
    found = [Problem(file, *spot) for spot in comma_problems(node) + colon_problems(node, text, field_names())]
    positions: dict[Path_, tuple[int, int]] = {}
    keys: dict[Path_, tuple[int, int]] = {}
    data = _plain(node, (), positions, found, file, keys)
    return Document(file, data, positions, found, keys)


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
        elif unknown:  # tag: for tags: — name the field that was meant
            said += f" “{loc[-1]}”；{one_of(str(loc[-1]), fields_at(model, loc[:-1]) or [])}"
        if not document.mistyped((*base, *loc)):
            place = document.key_problem if unknown else document.problem
            problems.append(place((*base, *loc), f"{where}: {said}"))
    return problems
