"""Hot reload goes on after a content folder is replaced (attack14).

The watcher watched the folders it found at start-up, by inode. A deploy that replaces a folder (`rm -rf
knowledge && cp -r new/knowledge .`, a `mv` swap) or flips a release symlink (SIYU_CONTENT=/srv/current ->
releases/N) left it watching folders that no longer mattered: later edits were never loaded, nothing was
logged, and customers got the old answers while the operator saw the new file. The watcher now notices that
a folder it watches is no longer the one at its path, watches the new one and reads the content again.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

from bot.engine.library import Library
from bot.groups.library import GroupLibrary
from bot.wiring import watch_content
from tests.gateway_kit import eventually

ROOT = Path(__file__).resolve().parent.parent
OLD, NEW = "满59元包邮", "满49元包邮"


def _copy(into: Path) -> None:
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, into / folder)


def _edit(faq: Path) -> None:
    faq.write_text(faq.read_text(encoding="utf-8").replace(OLD, NEW), encoding="utf-8")


async def _edit_until_loaded(library: Library, faq: Path) -> None:
    version = library.current.version
    _edit(faq)
    await eventually(lambda: library.current.version != version, within=8)


async def test_an_edit_after_the_knowledge_folder_was_replaced_is_loaded(tmp_path: Path) -> None:
    root = tmp_path / "content"
    _copy(root)
    library = Library.load(root)
    watcher = asyncio.create_task(watch_content(library, GroupLibrary.load(library.current), recheck_s=0.1))
    try:
        await asyncio.sleep(0.5)
        shutil.copytree(root / "knowledge", tmp_path / "knowledge.new")
        shutil.rmtree(root / "knowledge")  # a deploy puts the same content back as a new folder
        (tmp_path / "knowledge.new").rename(root / "knowledge")
        await asyncio.sleep(1.5)
        await _edit_until_loaded(library, root / "knowledge" / "faq.yaml")
    finally:
        watcher.cancel()


async def test_an_edit_after_the_release_symlink_was_flipped_is_loaded(tmp_path: Path) -> None:
    _copy(tmp_path / "r1")
    _copy(tmp_path / "r2")
    current = tmp_path / "current"
    current.symlink_to(tmp_path / "r1")
    library = Library.load(current)
    watcher = asyncio.create_task(watch_content(library, GroupLibrary.load(library.current), recheck_s=0.1))
    try:
        await asyncio.sleep(0.5)
        (tmp_path / "next").symlink_to(tmp_path / "r2")
        os.replace(tmp_path / "next", current)  # the release is switched atomically, as deploy tools do
        await asyncio.sleep(1.5)
        await _edit_until_loaded(library, tmp_path / "r2" / "knowledge" / "faq.yaml")
    finally:
        watcher.cancel()
