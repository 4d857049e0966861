"""One message that is nothing but a short piece typed over and over — 1111…, 顶顶顶…, [炸弹] twenty times, 领红包
ten times: it pushes the chat off the screen by itself, the one-message form of flooding (knowledge/moderation.yaml
`wall`). Laughter (哈哈哈…) and other pieces the operator allows are fine however long."""

from __future__ import annotations

import re

from bot.moderation.message import Evidence
from bot.moderation.spec import Wall

RULE = "wall"


class WallRule:
    def __init__(self, spec: Wall) -> None:
        self.spec = spec
        self._pattern = re.compile(rf"(.{{1,{spec.longest_piece}}}?)\1+", re.DOTALL)
        self._allowed = frozenset(spec.allow)

    def find(self, text: str) -> list[Evidence]:
        compact = "".join(text.split())
        if len(compact) < self.spec.min_length:
            return []
        found = self._pattern.fullmatch(compact)
        if found is None or found[1] in self._allowed or set(found[1]) <= self._allowed:
            return []
        piece = found[1]
        if len(compact) // len(piece) < self.spec.min_repeats:
            return []
        return [Evidence(RULE, self.spec.category, self.spec.weight, piece * 3 + "…", compact[:12] + "…",
                         f"{len(compact)} 个字都是“{piece}”反复打")]
