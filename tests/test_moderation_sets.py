"""The project's own labelled group-chat sets: targets pinned so that a rule change that costs quality fails.

group_chat_dev.tsv was used to write the rules (and is in the model's training data); group_chat_holdout.tsv
was written before the rules and is never trained on; group_chat_fresh.tsv was written later and only its
totals are ever read; group_chat_blind1.tsv, group_chat_blind2.tsv to group_chat_blind8.tsv were written blind by
helpers who saw nothing of the project (blind1's, blind4's to blind8's misses were then read and the rules extended: they
are dev sets now; blind2 and blind3 are read as totals only). `python -m bench.moderation` prints them all beside the
baselines and the SMS measurements.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.moderation import Detector, load_moderation

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "moderation"


def labelled(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (DATA / f"group_chat_{name}.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, _, text = line.partition("\t")
            rows.append((label, text))
    return rows


@pytest.mark.parametrize(("name", "caught_at_least", "false_at_most"), [("dev", 0.97, 0.01),
                                                                         ("holdout", 0.92, 0.015),
                                                                         ("fresh", 0.95, 0.01),
                                                                         ("blind1", 0.95, 0.01),
                                                                         ("blind2", 0.75, 0.01),
                                                                         ("blind3", 0.84, 0.01),
                                                                         ("blind4", 0.94, 0.02),
                                                                         ("blind5", 0.93, 0.01),
                                                                         ("blind6", 0.95, 0.01),
                                                                         ("blind7", 0.96, 0.035),
                                                                         ("blind8", 0.97, 0.01)])
def test_own_group_chat_sets(name: str, caught_at_least: float, false_at_most: float) -> None:
    content = load_moderation(ROOT / "knowledge", ROOT)
    assert content is not None
    detector = Detector(content)
    rows = labelled(name)
    spam = [(label, text) for label, text in rows if label != "ok"]
    ham = [text for label, text in rows if label == "ok"]
    missed = [text for _, text in spam if not detector.judge_text(text).violation]
    flagged = [text for text in ham if detector.judge_text(text).violation]
    assert len(spam) > 50 and len(ham) > 150
    blind = name in ("fresh", "blind2", "blind3")  # their messages are never shown, only their totals (docs/moderation.md)
    assert 1 - len(missed) / len(spam) >= caught_at_least, len(missed) if blind else missed
    assert len(flagged) / len(ham) <= false_at_most, len(flagged) if blind else flagged
