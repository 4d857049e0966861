"""A content file as far as it is valid, so that one mistake does not hide the others of the same file.

A file with a schema error is not loaded. But the checks that look across its entries (an id used twice) or
out of them (a product's `fits` value the codebook does not know) need the entries as models: `salvage` gives
the file with every entry that is valid on its own (an entry whose mistakes are only in optional fields is kept
without them), and a Document whose positions follow the entries kept. What refers *into* the file is still not
checked against it (an entry left out would look missing): callers keep treating the file as not read.
"""

from __future__ import annotations

import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.source import Document, Path_

M = TypeVar("M", bound=BaseModel)


def salvage(model: type[M], document: Document) -> tuple[M, Document] | None:
    """The file's valid part, with positions remapped; None when even that does not validate."""
    data = document.data
    if not isinstance(data, dict):
        return None
    try:
        return model.model_validate(data), document
    except ValidationError:
        pass
    kept: dict[str, Any] = dict(data)
    moved: dict[Path_, Path_] = {}  # (field, index in the file) → (field, index kept); left-out entries absent
    lists: set[str | int] = set()
    for name, info in model.model_fields.items():
        key = info.alias or name
        value, (origin, entry) = data.get(key), _entries(info.annotation)
        if entry is None:
            continue
        if origin is list and isinstance(value, list):
            lists.add(key)
            items: list[Any] = []
            for index, item in enumerate(value):
                if (usable := _usable(entry, item)) is not None:
                    moved[(key, index)] = (key, len(items))
                    items.append(usable)
            kept[key] = items
        elif origin is dict and isinstance(value, dict):
            kept[key] = {k: usable for k, item in value.items() if (usable := _usable(entry, item)) is not None}
    kept = _usable(model, kept)  # the file's own wrong optional fields (a persona's `address: [宝子]`)
    if kept is None:
        return None
    partial = model.model_validate(kept)
    return partial, Document(document.file, kept, _moved(document.positions, moved, lists), document.problems)


def _entries(annotation: Any) -> tuple[Any, type[BaseModel] | None]:
    """list[X] / dict[str, X] of a model X → (list or dict, X); else (None, None)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    item = args[0] if origin is list and args else args[1] if origin is dict and len(args) == 2 else None
    if isinstance(item, type) and issubclass(item, BaseModel):
        return origin, item
    return None, None


def _usable(entry: type[BaseModel], item: Any) -> Any:
    """item when valid; else without the keys that are wrong (a misspelt key inside a rule, a wrong optional
    value), or without its wrong optional fields, when that makes it valid; else None."""
    try:
        entry.model_validate(item)
        return item
    except ValidationError as error:
        if not isinstance(item, dict):
            return None
        locs = [tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function")))
                for err in error.errors()]
    if any(not loc for loc in locs):
        return None  # the entry as a whole is wrong (answer and answer_key both missing)
    for trimmed in (_without_keys(item, locs), _without_fields(entry, item, locs)):
        if trimmed is None:
            continue
        try:
            entry.model_validate(trimmed)
        except ValidationError:
            continue
        return trimmed
    return None


def _without_keys(item: dict[str, Any], locs: list[Path_]) -> dict[str, Any] | None:
    """A copy of item without the key each error names (`sya` in states.chat.on.0), when each names a key."""
    if any(not isinstance(loc[-1], str) for loc in locs):
        return None
    copy: Any = copy_deep(item)
    for loc in locs:
        node = copy
        for part in loc[:-1]:
            node = _child(node, part)
        if not isinstance(node, dict) or loc[-1] not in node:
            return None  # a required key that is missing: nothing to take away
        del node[loc[-1]]
    return dict(copy)


def _without_fields(entry: type[BaseModel], item: dict[str, Any], locs: list[Path_]) -> dict[str, Any] | None:
    """item without the optional fields that hold an error (a rule list with one wrong rule goes as a whole)."""
    wrong = {loc[0] for loc in locs}
    required = {info.alias or name for name, info in entry.model_fields.items() if info.is_required()}
    if not wrong <= item.keys() or wrong & required:
        return None
    return {k: v for k, v in item.items() if k not in wrong}


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def copy_deep(value: Any) -> Any:
    """A copy of plain YAML data (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return {k: copy_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_deep(v) for v in value]
    return value


def _moved(positions: dict[Path_, tuple[int, int]], moved: dict[Path_, Path_], lists: set[str | int]
           ) -> dict[Path_, tuple[int, int]]:
    out: dict[Path_, tuple[int, int]] = {}
    for path, spot in positions.items():
        if len(path) >= 2 and path[0] in lists and isinstance(path[1], int):
            new = moved.get(path[:2])
            if new is None:
                continue
            path = (*new, *path[2:])
        out[path] = spot
    return out
