"""A content file as far as it is valid, so that one mistake does not hide the others of the same file.

A file with a schema error is not loaded. But the checks that look across its entries (an id used twice) or
out of them (a product's `fits` value the codebook does not know) need the file as models: `salvage` takes
away what the schema refuses, one error at a time — the wrong key itself (`sya` in a flow rule, `price: -5`),
else the entry holding it (a list item or a mapping entry), else nothing can be kept — and gives the rest
with a Document whose positions follow the entries kept. What refers *into* the file is still not checked
against it (an entry taken away would look missing): callers keep treating the file as not read.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from bot.content.source import ContentError, Document, Path_, Problem, validate

M = TypeVar("M", bound=BaseModel)
ROUNDS = 500  # each round takes one thing away: a file with more errors than this is not salvaged


def checked(model: type[M], document: Document, problems: list[Problem]
            ) -> tuple[M | None, tuple[M, Document] | None]:
    """(the file when valid, else None; the file as far as it is valid, with its positions, or None): its
    problems go to `problems`, and the second is what the file's other checks run on."""
    try:
        valid = validate(model, document)
    except ContentError as error:
        problems.extend(error.problems)
        return None, salvage(model, document)
    return valid, (valid, document)


def salvage(model: type[M], document: Document) -> tuple[M, Document] | None:
    """The file's valid part, with positions remapped; None when even that does not validate."""
    if not isinstance(document.data, dict):
        return None
    data = _copy(document.data)
    dropped: list[tuple[Path_, int]] = []  # (list, index) of each list item taken away, in order
    for _ in range(ROUNDS):
        try:
            partial = model.model_validate(data)
        except ValidationError as error:
            loc = tuple(part for part in error.errors()[0]["loc"]
                        if not (isinstance(part, str) and part.startswith("function")))
            if not _take_away(data, loc, dropped):
                return None
            continue
        return partial, Document(document.file, data, _moved(document.positions, dropped), document.problems,
                                 _moved(document.keys, dropped))
    return None


def _take_away(data: dict[str, Any], loc: Path_, dropped: list[tuple[Path_, int]]) -> bool:
    """Remove the value at loc, or (when it is not there: a required key missing, a whole entry wrong) the
    nearest entry holding it; False when that would be the file itself."""
    for cut in range(len(loc), 0, -1):
        parent, key = _at(data, loc[:cut - 1]), loc[cut - 1]
        if isinstance(parent, dict) and key in parent:
            del parent[key]
            return True
        if isinstance(parent, list) and isinstance(key, int) and 0 <= key < len(parent):
            del parent[key]
            dropped.append((loc[:cut - 1], key))
            return True
    return False


def _at(data: Any, path: Path_) -> Any:
    node = data
    for part in path:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _copy(value: Any) -> Any:
    """A copy of plain YAML data (mappings, lists, scalars)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _moved(positions: dict[Path_, tuple[int, int]], dropped: list[tuple[Path_, int]]
           ) -> dict[Path_, tuple[int, int]]:
    """Positions by the paths of what was kept: items after one taken away move up by one."""
    out: dict[Path_, tuple[int, int]] = {}
    for path, spot in positions.items():
        moved: Path_ | None = path
        for listing, index in dropped:
            moved = _shift(moved, listing, index) if moved is not None else None
        if moved is not None:
            out[moved] = spot
    return out


def _shift(path: Path_, listing: Path_, index: int) -> Path_ | None:
    depth = len(listing)
    if len(path) <= depth or path[:depth] != listing or not isinstance(path[depth], int):
        return path
    at = path[depth]
    assert isinstance(at, int)
    if at == index:
        return None
    return (*listing, at - 1, *path[depth + 1:]) if at > index else path
