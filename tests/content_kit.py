"""Editing a copy of the bundled content in a test, and the problems `load_content` then reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content


def edit(root: Path, file: str, old: str, new: str) -> None:
    """Replace the first `old` in `root/file` (which must hold it) with `new`."""
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_after(root: Path, file: str, old: str, new: str) -> list[str]:
    """The problems the content reports after the edit (it must refuse to load)."""
    edit(root, file, old, new)
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return [str(p) for p in caught.value.problems]
