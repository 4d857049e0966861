"""A YAML syntax error where the operator has to fix it, in words that say what to look for.

PyYAML stops where it cannot go on, often a line after the mistake (a key without its “: ”, a bracket never
closed), and says so in English the operator cannot act on. Its marks are moved back to the line to fix and
its words replaced by what to check (a Tab, a full-width colon or space, a quote or bracket never closed).
"""

from __future__ import annotations

import yaml

from bot.content.typos import Spot, syntax_colon, syntax_indent


def syntax_problem(error: yaml.MarkedYAMLError, text: str, fields: frozenset[str]) -> Spot:
    """(line, column, what to look for), counted from 1 as an editor does; fields: the schemas' field names,
    to tell `answer：好的` (a field typed with a full-width colon) from text."""
    mark = _error_mark(error, text)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)  # PyYAML counts from 0, editors from 1
    context = error.context_mark.line if error.context_mark is not None else None
    typed = (syntax_indent(text, mark.line, context) or syntax_colon(text, mark.line, context, fields)
             if mark else None)
    if typed is not None:  # answer：好的 or 　　answer — typed with a Chinese input method
        return typed
    return line, col, _yaml_hint(error, text)


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
