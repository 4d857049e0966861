"""trial15's stale docs: the held-out set's size, fresh.yaml called blind, paraphrase-dev described as if it
shipped, hard-coded test counts in authoring.md, and a flow comment that calls a surname 李女士."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
UNDERSTANDING = (ROOT / "docs" / "understanding.md").read_text(encoding="utf-8")


def test_the_held_out_size_is_the_files() -> None:
    held = yaml.safe_load((ROOT / "knowledge" / "tests" / "heldout.yaml").read_text(encoding="utf-8"))
    questions = sum(len(phrasings) for phrasings in held["in_scope"].values())
    said = re.search(r"`heldout\.yaml`, the \*\*held-out set\*\*: (\d+) more questions", UNDERSTANDING)
    assert said is not None and int(said.group(1)) == questions


def test_fresh_is_not_called_blind_and_paraphrase_dev_is_said_not_to_ship() -> None:
    assert "`fresh.yaml`, the **blind set**" not in UNDERSTANDING
    evaluation = UNDERSTANDING[UNDERSTANDING.index("## Evaluation"):][:1200]
    assert "paraphrase-dev" in evaluation and "does not ship" in evaluation and "../shared/data" in evaluation


def test_authoring_gives_no_test_counts_that_go_stale() -> None:
    authoring = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    assert not re.search(r"对话测试: \d+ 个文件 / \d+ 个测试", authoring)


def test_the_icebreak_comment_calls_a_surname_as_the_persona_does() -> None:
    assert "李女士" not in (ROOT / "flows" / "icebreak.yaml").read_text(encoding="utf-8")


def test_the_serve_log_table_lists_the_lines_a_trial_saw() -> None:
    """trial15 saw these at INFO though operations.md says the log is exactly its table's lines."""
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    for line in ("kf welcome not said: she wrote first", "kf conversation handed to the human queue",
                 "SIGHUP: content unchanged", "`followup` due", "sent 1 of 3"):
        assert line in operations, line
