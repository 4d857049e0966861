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
    try:
        partial = model.model_validate(kept)
    except ValidationError:
        return None
    return partial, Document(document.file, kept, _moved(document.positions, moved, lists), document.problems)


def _entries(annotation: Any) -> tuple[Any, type[BaseModel] | None]:
    """list[X] / dict[str, X] of a model X → (list or dict, X); else (None, None)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    item = args[0] if origin is list and args else args[1] if origin is dict and len(args) == 2 else None
    if isinstance(item, type) and issubclass(item, BaseModel):
        return origin, item
    return None, None


def _usable(entry: type[BaseModel], item: Any) -> Any:
    """item when valid; without its wrong optional fields when that makes it valid; else None."""
    try:
        entry.model_validate(item)
        return item
    except ValidationError as error:
        if not isinstance(item, dict):
            return None
        wrong = {err["loc"][0] for err in error.errors() if err["loc"]}
        if any(err["loc"] == () for err in error.errors()) or not wrong <= item.keys():
            return None  # the entry as a whole (answer and answer_key both missing), or a required field missing
        required = {info.alias or name for name, info in entry.model_fields.items() if info.is_required()}
        if wrong & required:
            return None
        trimmed = {k: v for k, v in item.items() if k not in wrong}
        try:
            entry.model_validate(trimmed)
        except ValidationError:
            return None
        return trimmed


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
