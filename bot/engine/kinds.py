"""The question kinds the engine acts on, by their names in knowledge/matching.yaml `kinds` (one place, one type)."""

from __future__ import annotations

CAN = "can"  # 能用吗, 可以用吗, 还能用吗
WHEN = "how_long"  # 几点, 什么时候, 多久
WHICH = "which"  # 哪款, 哪个
