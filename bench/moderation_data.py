"""The labelled messages the moderation benchmark and the model training read, and how they are split.

Third-party data is read from ../shared/data/moderation/ at run time and never copied into the
repository (see ../shared/data/README.md for sources and licences). The project's own group-chat sets are
in tests/data/moderation/.

Split: every SMS line goes to `test` (20%), `validation` (10%) or `train` (70%) by a hash of its text, so
identical lines always land together and the split is the same on every machine. The model is trained on
`train`, its probability bands are chosen on `validation`, and `test` is only ever measured.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shared() -> Path:
    """../shared/data/moderation beside the checkout (or beside a parent: worktrees live one level down);
    SIYU_SHARED_DATA points elsewhere."""
    override = os.environ.get("SIYU_SHARED_DATA", "").strip()
    if override:
        return Path(override).expanduser() / "moderation"
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "moderation"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data" / "moderation"


SHARED = _shared()
OWN = ROOT / "tests" / "data" / "moderation"


@dataclass(frozen=True)
class Labelled:
    text: str
    spam: bool
    label: str  # "spam"/"ham" for SMS; the category (or "ok") for the project's own sets


def split_of(text: str) -> str:
    bucket = int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16) % 100
    return "test" if bucket < 20 else "validation" if bucket < 30 else "train"


def sms_available() -> bool:
    return (SHARED / "spam_sms.txt").is_file() and (SHARED / "ham_sms.txt").is_file()


def load_sms(split: str | None = None) -> list[Labelled]:
    """The SMS sets as published (digits in the spam are masked as x); split None → all lines."""
    out: list[Labelled] = []
    for name, spam in (("spam_sms.txt", True), ("ham_sms.txt", False)):
        for line in (SHARED / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and (split is None or split_of(line) == split):
                out.append(Labelled(line, spam, "spam" if spam else "ham"))
    return out


def lexicon_path() -> Path:
    return SHARED / "lexicon_by_category.tsv"


_MASKED_DIGITS = re.compile(r"(?<![a-wyz])x+(?![a-wyz])", re.IGNORECASE)
_MASKED_PLACE = re.compile(r"（某地\d*）")


def unmask_for_training(item: Labelled) -> str:
    """Undo the corpora's anonymisation so the model learns language, not masks.

    The spam corpus writes every digit as x (x月x日, xxxxxxxxxxx): those x become 0, which is how the model
    reads every digit. The personal corpus replaces places with （某地1）: removed. Names masked as ** vanish
    in normalisation anyway. Used for training only; benchmarks read the text as published.
    """
    if item.spam:
        return _MASKED_DIGITS.sub(lambda m: "0" * len(m.group()), item.text)
    return _MASKED_PLACE.sub("", item.text)


def load_own(name: str) -> list[Labelled]:
    """tests/data/moderation/group_chat_<name>.tsv: label<TAB>message, label ok or a category."""
    out = []
    for line in (OWN / f"group_chat_{name}.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        out.append(Labelled(text, label != "ok", label))
    return out
