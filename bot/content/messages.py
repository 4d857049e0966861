"""Pydantic's validation errors said in the operator's words (Chinese), with what was written where it helps.

`handover: ture` is “应为 true 或 false（写的是 “ture”）”, not “Input should be a valid boolean”; an empty file
says it is empty and which fields it needs. A kind of error not listed here is “格式不对” with what was written:
pydantic's English is never shown (an operator cannot act on it).
"""

from __future__ import annotations

import re
from typing import Any

_PLAIN = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的字段",
    "string_type": "应为文字",
    "list_type": "应为列表|写成 [a, b]，或者每行一个“- a”",
    "set_type": "应为列表|写成 [a, b]，或者每行一个“- a”",
    "tuple_type": "应为列表|写成 [a, b]，或者每行一个“- a”",
    "dict_type": "应为映射：一行一个“字段: 值”",
    "model_type": "应为映射：一行一个“字段: 值”",
    "model_attributes_type": "应为映射：一行一个“字段: 值”",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数，不能带小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为普通的数字（不能是 .inf 或 .nan）",
    "none_required": "这里不用写值",
}

# the patterns of ids and times in the schemas, in words (a regular expression means nothing to an operator)
_PATTERNS = {
    r"^[a-z0-9_]+$": "只能用小写英文字母、数字和下划线 _",
    r"^[a-z][a-z0-9_]*$": "只能用小写英文字母、数字和下划线 _，并以字母开头",
    r"^[A-Za-z0-9_\-]+$": "只能用英文字母、数字、下划线 _ 和减号 -",
    r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$": "时段写成 09:00-21:00",
}

_BOUNDS = {
    "greater_than": ("gt", "应大于 {}"),
    "greater_than_equal": ("ge", "应不小于 {}"),
    "less_than": ("lt", "应小于 {}"),
    "less_than_equal": ("le", "应不大于 {}"),
}

_TYPE_NAMES = {type(None): "空的", bool: "true/false", int: "数字", float: "数字", str: "文字", list: "列表",
               dict: "映射"}


def explain(item: Any) -> str:
    """One pydantic error item (from ValidationError.errors()) as the operator should read it."""
    kind = str(item.get("type", ""))
    ctx = item.get("ctx") or {}
    value = item.get("input")
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])  # our own message, without pydantic's "Value error, " prefix
    if kind in _PLAIN:
        said, _, hint = _PLAIN[kind].partition("|")
        return said + _written(kind, value) + (f"；{hint}" if hint else "")
    if kind in _BOUNDS:
        name, text = _BOUNDS[kind]
        return text.format(ctx.get(name)) + _written(kind, value)
    if kind == "too_short":
        size = ctx.get("min_length", 1)
        if not ctx.get("actual_length"):
            return f"不能是空的：至少要写 {size} 项"
        return f"至少要写 {size} 项（现在只有 {ctx.get('actual_length')} 项）"
    if kind == "too_long":
        return f"最多写 {ctx.get('max_length')} 项（现在有 {ctx.get('actual_length')} 项）"
    if kind == "string_too_short":
        return "不能是空的" if ctx.get("min_length", 1) <= 1 else f"至少要写 {ctx.get('min_length')} 个字"
    if kind == "string_too_long":
        return f"太长了：最多 {ctx.get('max_length')} 个字"
    if kind in ("literal_error", "enum"):
        return f"只能是 {_choices(str(ctx.get('expected', '')))}" + _written(kind, value)
    if kind == "string_pattern_mismatch":
        choices = re.fullmatch(r"\^\(([\w|]+)\)\$", str(ctx.get("pattern", "")))
        if choices:
            return f"只能是 {' / '.join(choices.group(1).split('|'))}" + _written(kind, value)
        if str(ctx.get("pattern", "")).startswith("^https?://"):
            return "应为网址，以 https:// 或 http:// 开头" + _written(kind, value)
        said = _PATTERNS.get(str(ctx.get("pattern", "")), "写法不对")
        return said + _written(kind, value)
    return "格式不对" + _written(kind, value)


def empty_file(required: list[str]) -> str:
    """The message for a file with nothing in it (or only comments)."""
    needs = f"：至少要写 {'、'.join(f'{name}:' for name in required)}" if required else ""
    return f"文件是空的{needs}"


def not_utf8(file: str) -> str:
    """A content file saved in another encoding (GBK from an old editor, a Word document renamed .yaml)."""
    return (f"文件不是 UTF-8 编码，从这一行起读不懂：用记事本或 VS Code 打开 {file}，“另存为”时编码选 UTF-8，"
            "再运行 siyu check")


def too_big(size: int, limit: int) -> str:
    """A content file far larger than any operator writes (a log or an export pasted in): not parsed at all."""
    return (f"文件太大（{size / 1024 / 1024:.0f} MB），内容文件最多 {limit // 1024 // 1024} MB，这次没有读它："
            "多半是粘进了日志或导出的大段文字，删掉多余的部分（写好的内容文件一般只有几十 KB）")


def unreadable(error: OSError) -> str:
    """A content file the bot cannot open, in words that say what to do about it."""
    if isinstance(error, PermissionError):
        return "没有权限读这个文件：请管理员给运行机器人的账号加上读权限（如 chmod a+r 这个文件），再运行 siyu check"
    if isinstance(error, IsADirectoryError):
        return "这里应该是一个文件，现在是一个文件夹：把文件夹改名或挪走，放回这个文件"
    if isinstance(error, FileNotFoundError):
        return "找不到这个文件（刚被删掉或改名了？）：放回这个文件，再运行 siyu check"
    return f"读不了这个文件（{error.strerror or error}）：检查文件还在不在、磁盘是否正常，再运行 siyu check"


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as a / b / c."""
    return " / ".join(part.strip(" '\"") for part in re.split(r",| or ", expected) if part.strip(" '\""))


def _written(kind: str, value: Any) -> str:
    """What was written instead, when it tells the operator more (ture, 三, a list where text belongs)."""
    if kind in ("missing", "extra_forbidden"):
        return ""
    if isinstance(value, str):
        return f"，现在写的是 “{value}”" if len(value) <= 40 else ""
    if isinstance(value, bool):
        return f"，现在写的是 {str(value).lower()}"
    if isinstance(value, int | float):
        return f"，现在写的是 {value}"
    name = _TYPE_NAMES.get(type(value))
    return f"，现在是{name}" if name else ""


def read_as(written: str, value: Any) -> str:
    """Text YAML reads as something else: `answer: yes` is true, `12:30` is 750 (YAML 1.1 minutes), a date a date."""
    kind = "是非值" if isinstance(value, bool) else "数字" if isinstance(value, int | float) else (
        "空值" if value is None else "日期")
    shown = str(value).lower() if isinstance(value, bool) else str(value)
    return f"应为文字：写的 “{written}” 会被 YAML 当成{kind} {shown}；整句加上引号（\"{written}\"）就是文字了"
