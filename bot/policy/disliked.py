"""A product she tried and did not like (A醇那个我用过 不好用, 用过你们的水杨酸 刺激, 那个精华我用了过敏): the policy's
`disliked` words (knowledge/policy.yaml) — one it was `used` and one it was `bad`, whole words, not negated
(用了不刺激 is praise), none of its `unless` (别家的A醇 is not ours) — in a statement (用了会过敏吗 asks, it tells
nothing). Which product is for the engine to say: the one named, or the one in view when she points at it
(engine/sales.py). Recorded in the profile (`disliked`), the product is left out of every later choice
(bot/policy/choose.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection

from bot.policy.spec import Policy
from bot.understanding.phrases import Phrases

USE = "用"
WISHING = "想要能敢会以备算该怕"  # 想用A醇 但怕脱皮, 可以用水杨酸吗: a use she plans or fears, not one she made


def _did(used: str, said: str) -> bool:
    """用A醇 in the text, not after a word of wishing (想用A醇 但是怕脱皮 tells no reaction)."""
    at = said.find(used)
    while at >= 0:
        if at == 0 or said[at - 1] not in WISHING:
            return True
        at = said.find(used, at + 1)
    return False


class DislikeReader:
    def __init__(self, policy: Policy, normalize: Callable[[str], str], phrases: Phrases) -> None:
        self.used = [n for n in map(normalize, policy.disliked.used) if n]
        self.bad = sorted((n for n in map(normalize, policy.disliked.bad) if n), key=len, reverse=True)
        self.unless = [n for n in map(normalize, policy.disliked.unless) if n]
        self.reactions = [(sorted((n for n in map(normalize, r.words) if n), key=len, reverse=True),
                           [n for n in map(normalize, r.with_) if n], r.answer, r.held, r.during)
                          for r in policy.disliked.reactions]
        # 用A醇第三天下巴开始脱皮: 用 right before what a reaction is `with` says she used it, as 用了 does (engread)
        self.used_named = sorted({USE + word for _, along, _, _, _ in self.reactions for word in along}, key=len,
                                 reverse=True)
        self.allergic = sorted((n for n in map(normalize, policy.disliked.allergic) if n), key=len, reverse=True)
        self.refuse = [n for n in map(normalize, policy.disliked.refuse) if n]
        self.phrases = phrases

    def allergic_to(self, pieces: list[str]) -> str:
        """The `allergic` word a statement says, not negated (我对烟酰胺过敏, 之前用别家的烟酰胺过敏过; 不过敏 is none),
        whatever brand: an allergy is to what the product holds, so ours holding it is avoided too."""
        read = [self.phrases.read(piece) for piece in pieces if piece]
        return next((word for word in self.allergic if any(word in said for said in read)), "")

    def said(self, pieces: list[str]) -> str:
        """'用过+不好用' when the normalised pieces of a statement (the whole, and each part between spaces or
        punctuation: 用过 过敏 reads 用过敏 whole, its repeated 过 merged) say she used it and did not like it."""
        if not self.used or not self.bad or any(word in piece for piece in pieces for word in self.unless):
            return ""
        read = [self.phrases.read(piece) for piece in pieces if piece]
        used = next((word for word in self.used if any(word in said for said in read)), "")
        bad = next((word for word in self.bad if any(word in said for said in read)), "") if used else ""
        return f"{used}+{bad}" if bad else ""

    def reaction(self, pieces: list[str], held: str | None = None,
                 during: Collection[str] = ()) -> tuple[str, str] | None:
        """(what she said, the FAQ entry that answers it) when a statement says she used it and her skin reacted
        (用过你们的水杨酸 刺激: 用过+刺激) — about ours (not 别家的); None otherwise. The reactions are tried in
        file order: the first one whose words she said (and one of its `with` words, when it has any: 用了A醇 起皮
        is the retinol answer, 用了A醇 过敏 the allergy one written before it) answers. `held`: she has one of
        ours in hand and names no product — its normalised name ("" when the order named none; None: nothing in
        hand): a `with` word may be in that name (she bought the retinol serum: 用了三天下巴脱皮了 is its
        answer), and a reaction marked `held` counts. `during`: her special times (孕期, said or asked about in this
        conversation): a reaction's `during` label among them counts as one of its words said."""
        if not self.used or any(word in piece for piece in pieces for word in self.unless):
            return None
        read = [self.phrases.read(piece) for piece in pieces if piece]
        used = next((word for word in self.used if any(word in said for said in read)), "") \
            or next((word for word in self.used_named if any(word in said and _did(word, said.text) for said in read)),
                    "")
        for words, along, answer, needs_held, times in self.reactions if used else ():
            if needs_held and held is None:
                continue
            if along and not any(word in piece for piece in [*pieces, held or ""] for word in along):
                continue
            word = next((word for word in words if any(word in said for said in read)), "") \
                or next((time for time in times if time in during), "")
            if word:
                return f"{used}+{word}", answer
        return None
