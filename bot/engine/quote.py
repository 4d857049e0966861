"""A follow-up that the answer just given already answers (面膜多久敷一次 → 敷完要洗脸吗): the part of that
answer which says it, instead of the whole answer word for word again.

The part is the run of the answer's clauses (cut at its punctuation) from the first to the last of the clauses
that hold the most of what the customer asked about: a word of her message of two characters or more, or two
of its single characters; grammar (filler, cue and negation words of matching.yaml) does not count. The run grows to the
nearest clause holding any other word she used (能发顺丰吗: 默认发中通，需要顺丰的话下单备注一下就好). None when no
clause holds it, when a word she used is nowhere in the answer, or when the run is most of the answer.
"""

from __future__ import annotations

import re

from bot.understanding.analysis import NEGATED
from bot.understanding.matcher import Understanding
from bot.understanding.segment import SEGMENTER

MOST = 0.6  # a run longer than this share of the answer is no part of it
CLAUSE_END = re.compile(r"(?<=[，,；;。！!？?～~])")
_SENTENCE_END = re.compile(r"(?<=[；;。！!？?～~])")
# a part quoted alone does not start with the word that linked it to the clause before: 孕妇能用吗 → 那精华呢 was
# 「但含A醇的夜间精华…先不要用」 (QA round 16)
_LINKING = re.compile(r"^(但是|但|不过|而且|而|所以|另外)")


def part_answering(understanding: Understanding, answer: str, message: str) -> str | None:
    grammar = understanding.analyze.grammar
    words = [w for w in SEGMENTER.cut(understanding.normalize(message)) if w not in grammar and w.strip()]
    if not words:
        return None
    clauses = [c for c in CLAUSE_END.split(answer) if c.strip()]
    said = [understanding.normalize(clause) for clause in clauses]  # 那A醇呢 is read as a醇
    holding = [n for n, clause in enumerate(said) if _holds(clause, words)]
    if not holding:
        return None
    most = max(_said_of(said[n], words) for n in holding)  # 过了7天呢: the clause 过了7天…, not 支持7天… as well
    holding = [n for n in holding if _said_of(said[n], words) == most]
    first, last = holding[0], holding[-1]
    for word in words:  # 能发顺丰吗: 顺丰 is in 需要顺丰的话…, 发 in 默认发中通 before it — both clauses
        if not any(word in clause for clause in said[first:last + 1]):
            near = [n for n, clause in enumerate(said) if word in clause]
            if not near:
                return None  # the answer does not say it at all
            nearest = min(near, key=lambda n: min(abs(n - first), abs(n - last)))
            first, last = min(first, nearest), max(last, nearest)
    part = _LINKING.sub("", "".join(clauses[first:last + 1]).strip().rstrip("，,；;、"))
    if len(part) > MOST * len(answer):  # most of the answer: not a part of it (faq.again says so instead)
        return None
    return part


def _said_of(clause: str, words: list[str]) -> int:
    """How much of what she asked a clause holds: the characters of her words in it."""
    return sum(len(w) for w in set(words) if w in clause)


def _holds(clause: str, words: list[str]) -> bool:
    found = [w for w in words if w in clause]
    return any(len(w) >= 2 for w in found) or len(found) >= 2


def case_answering(understanding: Understanding, answer: str, message: str) -> str | None:
    """The case of an answer that speaks of two (没发货前可以…；已经发货的话…) which a statement says she is in
    (刚下的 还没发货): the sentence holding a word of hers (two characters or more) said the way she said it,
    negated or not, when another sentence holds it the other way. None when the answer has no such cases."""
    words = [w for w in understanding.analyze(understanding.normalize(message)).words
             if len(w.removeprefix(NEGATED)) >= 2]
    sentences = [s for s in _SENTENCE_END.split(answer) if s.strip()]
    read = [set(understanding.analyze(understanding.normalize(s)).words) for s in sentences]
    for word in words:
        flipped = word.removeprefix(NEGATED) if word.startswith(NEGATED) else NEGATED + word
        mine = [n for n, said in enumerate(read) if word in said and flipped not in said]
        if len(mine) == 1 and any(flipped in said for said in read):
            return sentences[mine[0]].strip().rstrip("，,；;。～~")
    return None
