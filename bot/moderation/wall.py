"""One message that is nothing but a short piece typed over and over — 1111…, 顶顶顶…, [炸弹] twenty times,
领红包 ten times, 便宜面膜找我 eight times: it pushes the chat off the screen by itself, the one-message form of
flooding (knowledge/moderation.yaml `wall`). Repeated words must fill the whole message; repeated decoration (🧧,
[炸弹]) only `min_share` of it, so a few words wrapped in thirty 🧧 on each side are a wall too. Laughter (哈哈哈…)
and other pieces the operator allows are fine up to `allow_up_to` characters (three hundred 哈 are a wall)."""

from __future__ import annotations

import re

from bot.moderation.message import Evidence
from bot.moderation.spec import Wall

RULE = "wall"
_EMOJI_CODE = re.compile(r"\[[^\[\]]{1,6}\]")  # WeCom's own emoji as text: [炸弹], [强]


class WallRule:
    def __init__(self, spec: Wall) -> None:
        self.spec = spec
        self._runs = re.compile(rf"(.{{1,{spec.longest_piece}}}?)\1{{{spec.min_repeats - 1},}}", re.DOTALL)
        self._allowed = frozenset(spec.allow)

    def _fine(self, piece: str, length: int) -> bool:
        allowed = piece in self._allowed or set(piece) <= self._allowed
        return allowed and not (self.spec.allow_up_to and length > self.spec.allow_up_to)

    def find(self, text: str) -> list[Evidence]:
        compact = "".join(text.split())
        if len(compact) < self.spec.min_length:
            return []
        covered, piece, longest = 0, "", 0
        for run in self._runs.finditer(compact):
            if self._fine(run[1], len(compact)):
                continue
            covered += len(run[0])
            if len(run[0]) > longest:
                piece, longest = run[1], len(run[0])
        # words must fill the message (怎么啦×15 又怎么啦 is impatience); decoration (🧧, [炸弹]) most of it
        share = 1.0 if any(ch.isalnum() for ch in _EMOJI_CODE.sub("", piece)) else self.spec.min_share
        if not piece or covered < share * len(compact):
            return []
        return [Evidence(RULE, self.spec.category, self.spec.weight, piece * 3 + "…", compact[:12] + "…",
                         f"{len(compact)} 个字里 {covered} 个是“{piece}”这样反复打")]
