"""Full-width punctuation typed where YAML needs its half-width sign: a Chinese input method writes `，` and
`：`, and YAML reads them as part of the text.

`keywords: [包邮，运费]` is one keyword “包邮，运费” that no customer ever writes; `answer：好的` is no field at all
(a syntax error further down, or a list item that is text instead of a mapping). Both are reported where they
were typed, in the operator's words. A question or an answer may hold `，` and `：` on purpose, so only lists of
short names and words (below) are checked for the comma, and only a field name the schemas know for the colon.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml

Spot = tuple[int, int, str]  # line, column (1-based) and the message

# lists of knowledge and flows whose items are single words, names or ids: a full-width comma inside one item
# is always a typo. (Moderation word lists are left alone: their matching drops punctuation, so 加我，私聊 there
# is the phrase 加我私聊, not a mistake.)
WORD_LISTS = frozenset({
    "keywords", "keyword", "tags", "fits", "options", "tags_any", "tags_all", "tags_none", "purchase_tags",
    "intent", "faq", "option", "say", "mark", "channels", "stop_on", "evidence", "unless", "not_asked_as", "after",
    "caution",
    # knowledge/matching.yaml's word lists: 「不，没」 would be one negation that nothing ever says
    "filler", "negations", "negation_ends", "question_endings", "question_words", "ellipsis", "confusions", "letters",
})
# fields whose lists of words sit one level down: kinds (how_long: [多久, 几天]) and synonyms (- [退款, 退钱])
NESTED_WORD_LISTS = frozenset({"kinds", "synonyms"})
_LIST_NAMES = {"keywords": "关键词", "keyword": "关键词"}

_FIELD = r"[A-Za-z_][A-Za-z0-9_.]*"
_COLON_LINE = re.compile(rf"^[ \t]*(?:-[ \t]+)?({_FIELD})[ \t]*：")  # answer：好的 / - id：x
_KEY_LINE = re.compile(r"^[ \t]*([^\s:：#'\"\-\[\]{},][^\s:：#'\"]*)[ \t]*：")  # 互动：[新客] in a mapping


def colon_message(field: str) -> str:
    return f"“{field}” 后面是全角冒号「：」：字段名后面要用半角冒号 :（冒号后再空一格），比如 {field}: …"


def comma_problems(node: yaml.Node) -> list[Spot]:
    """Unquoted items of a [flow list] of words that hold a full-width comma or a 、."""
    problems = []
    for key, value in _word_lists(node):
        listed = key in WORD_LISTS or key in NESTED_WORD_LISTS
        if listed and isinstance(value, yaml.SequenceNode) and value.flow_style:
            for item in value.value:
                comma = next((c for c in "，、" if c in item.value), None)
                if isinstance(item, yaml.ScalarNode) and not item.style and comma:
                    what = _LIST_NAMES.get(key, f"{key} 列表")
                    name = "全角逗号" if comma == "，" else "顿号"
                    problems.append((item.start_mark.line + 1, item.start_mark.column + 1,
                                            f"{key}: {what}里有{name}「{comma}」（“{item.value}” 会被当成一项）："
                                            "YAML 列表要用半角逗号 , 分开"))
    return problems


# lists of whole sentences: a comma may belong to one (我在新疆，包邮吗), so a full-width one is only a warning
SENTENCE_LISTS = {"questions": "问法", "examples": "例句"}


def phrase_comma_warnings(node: yaml.Node) -> list[Spot]:
    """Unquoted items of a [flow list] of questions or examples that hold a full-width comma: `[怎么退货，运费谁出]`
    is one question nobody asks, unless the operator meant one sentence (then quotes silence the warning)."""
    warnings = []
    for key, value in _keyed(node, ""):
        if key in SENTENCE_LISTS and isinstance(value, yaml.SequenceNode) and value.flow_style:
            for item in value.value:
                if isinstance(item, yaml.ScalarNode) and not item.style and "，" in item.value:
                    parts = ", ".join(part.strip() for part in item.value.split("，") if part.strip())
                    said = SENTENCE_LISTS[key]
                    warnings.append((item.start_mark.line + 1, item.start_mark.column + 1,
                                     f"{key}: “{item.value}” 里有全角逗号「，」，机器人会把它当成一整句{said}。"
                                     f"想写成几句就用半角逗号 , 分开：[{parts}]；本来就是一句话的话给它加上引号："
                                     f"\"{item.value}\"，这条提醒就不会再出现（只是提醒，内容照常加载）"))
    return warnings


def colon_problems(node: yaml.Node, text: str, fields: frozenset[str]) -> list[Spot]:
    """Plain text that starts a line with a known field name and a full-width colon: `- answer：好的`."""
    problems = []
    for scalar in _scalars(node):
        if scalar.style or "：" not in scalar.value:
            continue
        start = scalar.start_mark
        lines = text[start.index:scalar.end_mark.index].split("\n")
        for number, line in enumerate(lines):
            found = _COLON_LINE.match(line)
            if found and found.group(1) in fields:
                col = (start.column if number == 0 else 0) + found.start(1) + 1
                problems.append((start.line + number + 1, col, colon_message(found.group(1))))
                break
    return problems


def syntax_colon(text: str, problem_line: int, context_line: int | None, fields: frozenset[str]) -> Spot | None:
    """The line near a YAML syntax error (0-based lines) that has a key followed by a full-width colon: a field
    name the schemas know, or any key on a line of its own (not a list item, which may be text)."""
    lines = text.splitlines()
    first = max(0, min(problem_line, context_line if context_line is not None else problem_line) - 3)
    for number in range(min(problem_line, len(lines) - 1), first - 1, -1):
        line = lines[number]
        found = _COLON_LINE.match(line)
        if found is None or (found.group(1) not in fields and line.lstrip().startswith("-")):
            found = _KEY_LINE.match(line)
        if found:
            return (number + 1, found.start(1) + 1, colon_message(found.group(1)))
    return None


FULL_WIDTH_SPACE = "\u3000"
_WIDE_INDENT = re.compile(r"^[ \t]*(\u3000)")


def indent_message() -> str:
    return "这一行开头是全角空格「　」：全角空格不能用来缩进，换成半角空格（和同一层的字段对齐）"


def syntax_indent(text: str, problem_line: int, context_line: int | None) -> Spot | None:
    """The line near a YAML syntax error (0-based lines) indented with a full-width space: YAML reads `　　answer`
    as text, not as a field indented under its entry, and PyYAML's complaint (a second “: ”) points elsewhere."""
    lines = text.splitlines()
    first = max(0, min(problem_line, context_line if context_line is not None else problem_line) - 3)
    for number in range(min(problem_line, len(lines) - 1), first - 1, -1):
        found = _WIDE_INDENT.match(lines[number])
        if found:
            return (number + 1, found.start(1) + 1, indent_message())
    return None


def _word_lists(node: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    """Every keyed node, and the lists of words one level under kinds and synonyms (named as the field above)."""
    for key, value in _keyed(node, ""):
        yield key, value
        if key in NESTED_WORD_LISTS and isinstance(value, yaml.MappingNode):
            yield from ((key, inner) for _, inner in value.value)
        elif key in NESTED_WORD_LISTS and isinstance(value, yaml.SequenceNode):
            yield from ((key, inner) for inner in value.value)


def _keyed(node: yaml.Node, key: str) -> Iterator[tuple[str, yaml.Node]]:
    yield key, node
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
            yield from _keyed(value_node, str(name))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _keyed(item, "")


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield from _scalars(key_node)
            yield from _scalars(value_node)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
