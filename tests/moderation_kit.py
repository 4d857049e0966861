"""The bundled moderation content's detector, shared by the rule test modules (read once per test run)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.moderation import Detector, load_moderation

ROOT = Path(__file__).resolve().parent.parent


@cache
def bundled_detector() -> Detector:
    content = load_moderation(ROOT / "knowledge", ROOT)
    assert content is not None
    return Detector(content)


def rules_of(detector: Detector, text: str) -> set[str]:
    return {e.rule for e in detector.judge_text(text).evidence}
