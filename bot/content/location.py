"""Which content folder a command uses, and why.

An operator edits content in a folder of their own and runs `siyu check`, `siyu chat`, `siyu serve` there.
Precedence: `--content DIR` → `SIYU_CONTENT` → the current directory when it holds flows/ persona/ knowledge/
→ the bundled sample. Every command says on stderr which one it took, so that the sample can never be
used silently in place of the operator's own files.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FOLDERS = ("flows", "persona", "knowledge")

OPTION, VARIABLE = "--content", "SIYU_CONTENT"
ARGUMENT = "命令行 command line"  # siyu check DIR: the folder typed after the command
CURRENT, BUNDLED = "当前目录 current directory", "自带示例 bundled sample"


@dataclass(frozen=True)
class ContentLocation:
    path: Path
    source: str  # OPTION, VARIABLE, CURRENT or BUNDLED
    note: str = ""  # why the current directory was not used, when it nearly was
    partial: Path | None = None  # that current directory: it holds some of flows/ persona/ knowledge/, not all

    def refused_partial(self, command: str) -> str:
        """`siyu check` and `siyu test` verify the operator's own files: in a folder she has begun (flows/ only), a
        green run over the bundled sample would read as hers passing — so they refuse (exit 1) with this line."""
        if self.partial is None:
            return ""
        have = " ".join(f"{name}/" for name in FOLDERS if (self.partial / name).is_dir())
        missing = " ".join(f"{name}/" for name in FOLDERS if not (self.partial / name).is_dir())
        return (f"siyu {command}: 当前目录 {self.partial} 只有 {have}，缺少 {missing}：没有检查，也不改查自带示例"
                f"（那不是你的文件）。补齐三个文件夹，或用 --content DIR 指定内容目录")

    def unusable(self) -> str:
        """Why this folder cannot be content at all, in one line ("" when it can be read): a folder that does not
        exist, or holds none of flows/ persona/ knowledge/, would otherwise be a page of "缺少文件"."""
        given = "" if self.source == ARGUMENT else f"（{self.source} 指定的）"  # the folder she typed needs no source
        if not self.path.exists():
            return f"找不到内容目录：文件夹 {self.path} 不存在{given}，路径写对了吗？"
        if not self.path.is_dir():
            return f"内容目录 {self.path} 不是文件夹{given}"
        if not any((self.path / name).is_dir() for name in FOLDERS):
            return f"{self.path} 不是内容目录：里面没有 flows/ persona/ knowledge/{given}"
        return ""

    def describe(self) -> str:
        """The one line every command prints on stderr."""
        line = f"内容目录: {self.path} ({self.source})"
        return f"{line}; {self.note}" if self.note else line


def bundled_content_dir() -> Path:
    """The sample content: beside the package in a checkout, under <prefix>/share when installed."""
    checkout = Path(__file__).resolve().parents[2]
    if all((checkout / name).is_dir() for name in FOLDERS):
        return checkout
    return Path(sys.prefix) / "share" / "siyu-bot"


def holds_content(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in FOLDERS)


def locate_content(explicit: str | None, env: Mapping[str, str], cwd: Path | None = None,
                   source: str = OPTION) -> ContentLocation:
    """`explicit`: the folder given on the command line, as `--content DIR` or (`source` ARGUMENT) `siyu check DIR`."""
    if explicit:
        return ContentLocation(Path(explicit).expanduser().resolve(), source)
    raw = env.get("SIYU_CONTENT", "").strip()
    if raw:
        return ContentLocation(Path(raw).expanduser().resolve(), VARIABLE)
    here = (cwd or Path.cwd()).resolve()
    if holds_content(here):
        return ContentLocation(here, CURRENT)
    present = [name for name in FOLDERS if (here / name).is_dir()]
    note = ""
    if present:
        missing = " ".join(f"{name}/" for name in FOLDERS if name not in present)
        note = f"当前目录缺少 {missing}，没有使用它 (the current directory lacks {missing})"
    return ContentLocation(bundled_content_dir(), BUNDLED, note, here if present else None)
