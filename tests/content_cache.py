"""The bundled content, loaded once for the whole test run instead of once per test module.

About 35 modules loaded the unchanged bundled content (or its knowledge) at import, a third to half a second
each. Only the unmodified bundled root is cached here: a test that edits content works on its own copy
(tests/conftest.py's `content` fixture) and loads it itself. `Content` is a frozen dataclass; the few tests
that patch a loaded object use monkeypatch, which puts it back. Each `bundled_library()` is a new Library
(its current version and reload state are the caller's own) around the one shared Content.
"""

from __future__ import annotations

import functools
from pathlib import Path

from bot.engine.content import Content, load_content
from bot.engine.library import Library
from bot.understanding.knowledge import load_knowledge
from bot.understanding.matcher import Understanding

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def bundled_content() -> Content:
    """load_content(ROOT), once."""
    return load_content(ROOT)


def bundled_library() -> Library:
    """Library.load(ROOT): a Library of its own around the shared bundled Content."""
    return Library(bundled_content())


@functools.cache
def bundled_understanding() -> Understanding:
    """Understanding(load_knowledge(ROOT / "knowledge")), once."""
    return Understanding(load_knowledge(ROOT / "knowledge"))
