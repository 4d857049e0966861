"""One decision from the ranked candidates, with knowledge/matching.yaml's thresholds (docs/understanding.md)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from bot.understanding.index import Scored
from bot.understanding.knowledge import Thresholds
from bot.understanding.result import Decision


@contextmanager
def collector_paused() -> Iterator[None]:
    """Building an index makes millions of small objects, none of them garbage: collecting meanwhile is waste."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def decide(candidates: list[Scored], t: Thresholds, settled: str = "") -> tuple[Decision, list[str], str, bool]:
    """Answer, clarify or miss, with the reason in Chinese (`/debug`, `siyu test`) and whether it is a near miss.
    `settled`: of two close candidates, the one whose question and answer together hold every word of the
    message (孕妇能用A醇吗: the pregnancy answer names A醇, the A醇 answer says nothing of pregnancy) — answered
    instead of offering the choice."""
    if not candidates:
        return Decision.MISS, [], "没有哪条 FAQ 和这句话有共同的词", False
    top = candidates[0]
    second = candidates[1] if len(candidates) > 1 else None
    shared = "、".join(top.evidence) or "只有零散的字"
    why = f"{top.entry} {top.score:.0f} 分，最像问法“{top.matched}”（共同的词：{shared}）"
    if top.score >= t.hit:
        if second is not None and top.score - second.score < t.clarify_margin:
            close = [c.entry for c in candidates[:3] if top.score - c.score < t.clarify_margin]
            if settled in close:
                other = "、".join(entry for entry in close if entry != settled)
                return (Decision.ANSWER, [settled],
                        f"{why}，和 {second.entry} {second.score:.0f} 分很接近，但只有 {settled} 的回答说到了这句话的"
                        f"每个词、或她说了它的关键词（{other} 的没有）：直接回答", False)
            return (Decision.CLARIFY, [top.entry, second.entry],
                    f"{why}，和 {second.entry} {second.score:.0f} 分太接近：请顾客选", False)
        return Decision.ANSWER, [top.entry], why, False
    return Decision.MISS, [], f"{why}，不到直接回答的 {t.hit:.0f} 分", top.score >= t.near_miss
