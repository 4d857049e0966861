"""Shared helpers for the benchmarks: percentiles and a plain table."""

from __future__ import annotations

import os
import random
from collections.abc import Sequence
from pathlib import Path

from bot.understanding.knowledge import FaqEntry, Knowledge, load_knowledge


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))
    return ordered[index]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


_VOCABULARY = ("面霜 精华 爽肤水 乳液 防晒 洁面 面膜 眼霜 卸妆 喷雾 唇膏 身体乳 护手霜 发膜 洗发水 香水 粉底 口红 "
          "快递 退货 换货 发票 积分 会员 优惠券 赠品 保质期 成分 过敏 孕妇 学生 男士 油皮 干皮 敏感肌 痘痘 "
          "美白 补水 控油 抗老 修护 舒缓 清洁 去角质 收缩毛孔 黑头 闭口 泛红 晒后 熬夜 换季 旅行装 礼盒")
_WORDS = _VOCABULARY.split()
_FRAMES = ("{a}和{b}可以一起用吗", "{a}适合{b}吗", "{a}怎么搭配{b}", "买{a}送{b}吗", "{a}的{b}多久有货",
           "{a}能不能退{b}", "{a}用完可以用{b}吗", "{a}和{b}哪个先用", "{a}{b}有没有小样", "{a}对{b}有用吗")


def synthetic_knowledge(size: int, seed: int = 7) -> Knowledge:
    """The bundled knowledge plus synthetic entries until it holds `size` question strings."""
    base = load_knowledge(Path(__file__).resolve().parent.parent / "knowledge")
    entries = list(base.faq)
    count = sum(len(e.questions) for e in entries)
    rng = random.Random(seed)
    n = 0
    while count < size:
        questions = []
        for _ in range(4):
            a, b = rng.sample(_WORDS, 2)
            questions.append(rng.choice(_FRAMES).format(a=a, b=b) + rng.choice(("", "呀", "呢", "吗亲", "？")))
        entries.append(FaqEntry(id=f"synthetic_{n}", questions=questions, answer="……"))
        count += len(questions)
        n += 1
    if count > size and size < sum(len(e.questions) for e in base.faq):
        entries = _trim(entries, size)
    return base.model_copy(update={"faq": entries})


def _trim(entries: list[FaqEntry], size: int) -> list[FaqEntry]:
    kept, count = [], 0
    for entry in entries:
        if count >= size:
            break
        room = size - count
        kept.append(entry.model_copy(update={"questions": entry.questions[:room]}))
        count += min(room, len(entry.questions))
    return kept


def shared_data() -> Path | None:
    """../shared/data beside the repository (or SIYU_SHARED_DATA); None when absent."""
    root = Path(__file__).resolve().parent.parent
    candidates = [Path(os.environ["SIYU_SHARED_DATA"])] if os.environ.get("SIYU_SHARED_DATA") else []
    candidates += [root.parent / "shared" / "data", root.parent.parent / "shared" / "data"]  # a worktree: wt/x
    return next((c for c in candidates if c.is_dir()), None)
