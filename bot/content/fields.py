"""Which fields a content schema takes at a given place, and what an error's location means to an operator.

`tag:` where `tags:` belongs is the most common typo: the message names the field that was meant. A location
such as entries.6.handover names the list position; the operator knows the entry by its id (条目 refund_policy).
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel

Loc = tuple[str | int, ...]


def fields_at(model: type[BaseModel], loc: Loc) -> list[str] | None:
    """The field names (aliases where given) of the model found at loc inside model, or None if not a model."""
    current: Any = model
    for part in loc:
        current = _inner(current, part)
        if current is None:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [info.alias or name for name, info in current.model_fields.items()]
    return None


def _unwrap(annotation: Any) -> Any:
    """X | None → X (the one model of an optional field)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        real = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return real[0] if len(real) == 1 else None
    return annotation


def _inner(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (list, set, frozenset, tuple) and args and isinstance(part, int):
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def describe(loc: Loc, data: Any) -> str:
    """entries.6.handover → 条目 refund_policy 的 handover, when entry 6 has an id; a flow's
    states.hello.next.0.gotoo → 状态 hello 的第 1 条 next 的 gotoo; else the dotted path."""
    if isinstance(data, dict) and isinstance(data.get("states"), dict) and (
            loc[:1] == ("start_on",) or (loc[:1] == ("states",) and len(loc) > 1)):
        return _in_flow(loc)
    named = -1
    node: Any = data
    names: list[str] = []
    for index, part in enumerate(loc):
        node = _child(node, part)
        if isinstance(part, int):
            entry_id = node.get("id") if isinstance(node, dict) else None
            if isinstance(entry_id, str) and entry_id.strip():
                named, names = index, [*names, entry_id]
                continue
        names.append(str(part))
    if named < 0:
        return ".".join(str(p) for p in loc)
    before = ".".join(names[:named])
    after = ".".join(names[named + 1:])
    head = f"条目 {names[named]}" if named <= 1 else f"{before} 里的条目 {names[named]}"
    return f"{head} 的 {after}" if after else head


def _child(node: Any, part: str | int) -> Any:
    if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
        return node[part]
    if isinstance(node, dict):
        return node.get(part)
    return None


def _in_flow(loc: Loc) -> str:
    """A flow's rules have no id: the state by its name, a rule by its place counted from 1 as an editor shows."""
    head, rest = ("", loc) if loc[0] == "start_on" else (f"状态 {loc[1]}", loc[2:])
    if len(rest) >= 2 and isinstance(rest[0], str) and isinstance(rest[1], int):
        head += f"{' 的' if head else ''}第 {rest[1] + 1} 条 {rest[0]}"
        rest = rest[2:]
    if not head:
        return ".".join(str(part) for part in rest)
    return f"{head} 的 {'.'.join(str(part) for part in rest)}" if rest else head
