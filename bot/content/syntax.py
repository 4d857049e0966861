"""A YAML syntax error where the operator has to fix it, in words that say what to look for.

PyYAML stops where it cannot go on, often a line after the mistake (a key without its “: ”, a bracket never
closed), and says so in English the operator cannot act on. Its marks are moved back to the line to fix and
its words replaced by what to check (a Tab, a full-width colon or space, a quote or bracket never closed).
"""

from __future__ import annotations

import re

import yaml

from bot.content.typos import Spot, syntax_colon, syntax_indent


def syntax_problem(error: yaml.MarkedYAMLError, text: str, fields: frozenset[str]) -> Spot:
    """(line, column, what to look for), counted from 1 as an editor does; fields: the schemas' field names,
    to tell `answer：好的` (a field typed with a full-width colon) from text."""
    lines = source_lines(text)
    bracket = _unclosed(error, lines)
    quote = None if bracket else _quote_run_on(error, text)
    if quote is not None:
        return quote
    mark = (bracket[0], bracket[1]) if bracket else _error_mark(error)
    context = error.context_mark.line if error.context_mark is not None else None
    typed = (syntax_indent(text, mark[0], context) or syntax_colon(text, mark[0], context, fields)
             if mark else None)
    if typed is not None:  # answer：好的 or 　　answer — typed with a Chinese input method
        return typed
    line, col = (mark[0] + 1, mark[1] + 1) if mark else (1, 1)  # PyYAML counts from 0, editors from 1
    return line, col, _BRACKETS[bracket[2]] if bracket else _yaml_hint(error, lines, mark[0] if mark else None)


_BREAKS = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # what PyYAML counts as a line break (splitlines has more)


def source_lines(text: str) -> list[str]:
    """The lines of text as PyYAML numbers them (its marks count from 0)."""
    return _BREAKS.split(text)


def quoted_line(text: str, line: int, width: int = 60) -> str:
    """The text of line (counted from 1) to put after a message: the operator sees the line that is meant."""
    lines = source_lines(text)
    shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    shown = "".join(c if c.isprintable() else "�" for c in shown)
    if not shown:
        return ""
    return f"｜第 {line} 行：{shown if len(shown) <= width else shown[:width] + '…'}"


def _quote_run_on(error: yaml.MarkedYAMLError, text: str) -> Spot | None:
    """A quote never closed on its line runs on to the next quote, lines below, where PyYAML then stops (`- "嗨…`
    on line 22 ends at the `"` that opens line 64): the quote to fix is where that text began."""
    stopped = error.problem_mark
    if stopped is None:
        return None
    last = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.index >= stopped.index:
                break
            last = token
    except yaml.YAMLError:
        pass
    if not isinstance(last, yaml.ScalarToken) or last.style not in ('"', "'"):
        return None
    begun, ended = last.start_mark, last.end_mark
    if begun.line == ended.line or ended.line != stopped.line:
        return None
    return (begun.line + 1, begun.column + 1,
            f"第 {begun.line + 1} 行的引号 {last.style} 没有在这一行结束，"
            f"一直读到第 {ended.line + 1} 行的 {last.style}："
            "这一行少了结尾的引号（文字里要用引号就换另一种，或者整句不加引号）")


_SQUARE = "方括号 [ ] 没有配对：少了 ]，或者文字里带逗号、括号要加引号"
_CURLY = "花括号 { } 没有配对：少了 }"
_BRACKETS = {"[": _SQUARE, "{": _CURLY}

# PyYAML's own words → what an operator should look for (PyYAML's English is not shown: it says nothing to them)
_HINTS = (
    ("mapping values are not allowed", "一行里有第二个“: ”：文字里带冒号就整句加引号，或者检查缩进"),
    ("expected ',' or ']'", _SQUARE),
    ("expected ',' or '}'", _CURLY),
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


_BRACED_TEXT = re.compile(r"^\s*(?:-\s+|[^\s:#]+:\s+)\{[^}\n]*\}[^\s,\]}#]")  # - {name}，好久没聊啦 (unquoted)


def _yaml_hint(error: yaml.MarkedYAMLError, lines: list[str], at: int | None = None) -> str:
    """What to look for; `at`: the line reported (0-based), for a line indented unlike its neighbours."""
    mark = error.problem_mark or error.context_mark
    if mark is not None and mark.line < len(lines) and "\t" in lines[mark.line]:
        return "这一行有 Tab，YAML 只认空格缩进：把 Tab 换成空格"
    if mark is not None and mark.line < len(lines) and _BRACED_TEXT.match(lines[mark.line]):
        return "以 { 开头的文字（{name}，好久没聊啦）YAML 会当成花括号写法读：这一句整句加引号"
    said = f"{error.context or ''} {error.problem or ''}".strip()
    misaligned = _misaligned(lines, at) if at is not None and any(e in said for e in _INDENT_ERRORS) else None
    if misaligned:
        return misaligned
    for found, hint in _HINTS:
        if found in said:
            return hint
    return "这里的写法 YAML 读不懂：看看这一行和上一行的缩进、冒号、引号和括号"


# what PyYAML says of a line indented by one space too many or too few (`   say:` among `    ask:`)
_INDENT_ERRORS = ("mapping values are not allowed", "did not find expected '-' indicator", "expected <block end>",
                  "did not find expected key")


def _misaligned(lines: list[str], at: int) -> str | None:
    """A line whose indentation no line of its block has, said with the line it should align with and the spaces
    each starts with (counting them is what the operator must do); None when its indentation is one the lines
    above use."""
    content = [n for n in range(min(at, len(lines))) if _code(lines[n]).strip()]
    if at >= len(lines) or not content:
        return None
    here, above = _indent(lines[at]), content[-1]
    opens = _code(lines[above]).rstrip().endswith(":")
    if opens and here > _indent(lines[above]):
        return None
    item = _item(lines[at])  # a “- ” line aligns with the “- ” of its list, a field with the fields
    if item:
        last = next((n for n in reversed(content) if _item(lines[n])), None)
        if last is not None and 0 < abs(_spaces(lines[last]) - _spaces(lines[at])) <= 2:
            return (f"第 {at + 1} 行前面是 {_spaces(lines[at])} 个空格，上一项（第 {last + 1} 行）是 "
                    f"{_spaces(lines[last])} 个：同一个列表里每一项的“- ”要上下对齐")
    if here > _indent(lines[above]):  # deeper, under a line that opens nothing
        return (f"第 {above + 1} 行前面是 {_spaces(lines[above])} 个空格，第 {at + 1} 行是 {_spaces(lines[at])} 个："
                "同一层的字段要上下对齐，用同样多的空格开头")
    if here >= _indent(lines[above]):
        return None
    parent = next((n for n in reversed(content) if _indent(lines[n]) < here), None)
    block = [n for n in content if parent is None or n > parent]
    if any(_indent(lines[n]) == here for n in block):
        return None  # back to a level the block has: not this line's mistake
    sibling = min(block, key=lambda n: (_indent(lines[n]), _item(lines[n]) != item, n))
    if _item(lines[sibling]) and not item and re.match(r"\s*-\s+[^\s:#]+:(\s|$)", lines[sibling]):
        # `goto:` under `- option: any` aligns with option, after the “- ”
        word = lines[sibling].lstrip(" -").split(":")[0]
        return (f"第 {at + 1} 行前面是 {_spaces(lines[at])} 个空格，要和第 {sibling + 1} 行“- ”后面的 “{word}” 对齐"
                f"（前面 {_indent(lines[sibling])} 个空格）：同一项的字段要上下对齐")
    opener = (f"，它们上面的第 {parent + 1} 行 “{lines[parent].strip()}” 是 {_spaces(lines[parent])} 个"
              if parent is not None else "")
    return (f"第 {at + 1} 行前面是 {_spaces(lines[at])} 个空格，可上面同一段的第 {sibling + 1} 行是 "
            f"{_spaces(lines[sibling])} 个{opener}：同一层的字段要上下对齐，看看是哪一行的空格多了或少了")


def _spaces(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _item(line: str) -> bool:
    return line.lstrip(" ").startswith("- ")


# errors PyYAML notices only after the line that has them: the context mark is where that line's key or quote began
_AT_CONTEXT = ("while scanning a simple key", "while scanning a quoted scalar")
_IN_BRACKETS = ("while parsing a flow mapping", "while parsing a flow sequence")  # the mark is at its { or [


def _indent(line: str) -> int:
    """How far the line's content starts, a list item's `- ` counted as indentation."""
    return len(line) - len(line.lstrip(" -")) if line.strip(" -") else 0


def _unclosed(error: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, int, str] | None:
    """The { or [ never closed that PyYAML noticed on a later line (0-based line, column, which bracket), or None.

    Inside brackets PyYAML stops at the next line that is not indented under the bracket's line (`concern:
    {concern` then `session_gap: 30m`), or at a deeper one when the line above does not go on with a comma;
    a list going on over lines (`questions: [a,` ⏎ `b c]`) keeps its spot. Where a block line follows
    (`hello: {` then `next:` ⏎ `- when:`) it only says a value is missing: the bracket is looked for above."""
    opened, stopped = error.context_mark, error.problem_mark
    if stopped is None:
        return None
    if error.context == "while parsing a flow node" and "expected node content" in (error.problem or ""):
        return _opener(lines, stopped.line)
    if error.context not in _IN_BRACKETS or opened is None or stopped.line <= opened.line:
        return None
    after = lines[stopped.line] if stopped.line < len(lines) else ""
    above = next((_code(line).rstrip() for line in reversed(lines[opened.line:stopped.line]) if _code(line).strip()),
                 "")
    if _indent(after) > _indent(lines[opened.line]) and above.endswith((",", "[", "{")):
        return None
    which = lines[opened.line][opened.column:opened.column + 1]
    return (opened.line, opened.column, which) if which in _BRACKETS else None


_QUOTED = re.compile(r"""(?:(?<=^)|(?<=[\s\[{,:]))(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')""")
_COMMENT = re.compile(r"(?:^|\s)#.*$")


def _code(line: str) -> str:
    """The line with quoted text blanked out and its comment cut, columns kept: only brackets YAML reads remain."""
    blanked = _QUOTED.sub(lambda found: " " * len(found.group(0)), line)
    return _COMMENT.sub("", blanked)


def _opener(lines: list[str], stopped: int, reach: int = 20) -> tuple[int, int, str] | None:
    """The nearest { or [ above line `stopped` that no bracket below it closes."""
    pending = 0  # closers met (going up) that still need their opener
    for number in range(min(stopped, len(lines)) - 1, max(-1, stopped - 1 - reach), -1):
        code = _code(lines[number])
        for col in range(len(code) - 1, -1, -1):
            if code[col] in "]}":
                pending += 1
            elif code[col] in "[{":
                if not pending:
                    return number, col, code[col]
                pending -= 1
    return None


def _error_mark(error: yaml.MarkedYAMLError) -> tuple[int, int] | None:
    """Where the operator must look. PyYAML's problem mark is where it gave up: for a line without its “: ”
    (`answer 好的`, or the next line of a text indented less than its field) that is the start of the line
    after, one line too far; the line itself is where the key it was scanning began (the context mark). A quote
    never closed is found at the end of the file: the operator looks for where it was opened."""
    mark = error.context_mark if error.context in _AT_CONTEXT and error.context_mark is not None else (
        error.problem_mark or error.context_mark)
    return (mark.line, mark.column) if mark is not None else None


def control_character(text: str, character: int) -> Spot:
    """Where the first character YAML refuses is (PyYAML's C reader counts bytes, so it is found by itself)."""
    at = text.find(chr(character))
    before = source_lines(text[:at]) if at >= 0 else [""]
    line, col = len(before), len(before[-1]) + 1
    return line, col, (f"这一行有一个看不见的控制字符（U+{character:04X}），多半是从 Word、网页或聊天记录复制来的："
                       f"把这一行删掉重新打一遍{quoted_line(text, line)}")
