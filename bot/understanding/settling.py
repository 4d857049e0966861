"""Two close candidates that one of them settles (docs/understanding.md, "Decisions").

孕妇能用A醇吗 scores about the same for 有A醇吗 and 孕妇能用吗, but only the pregnancy entry's answer speaks of A醇
(含A醇的夜间精华建议孕期先不要用): its question and its answer together hold every word she said, the A醇 entry's
do not hold 孕妇. Such a tie needs no numbered choice. Answers written in the persona (`answer_key`) are not
read here: their wording differs by persona, so they settle nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from bot.understanding.analysis import NEGATED, Analysis
from bot.understanding.index import Scored

if TYPE_CHECKING:
    from bot.understanding.matcher import Understanding


_ANSWER_WORDS: WeakKeyDictionary[Understanding, dict[str, frozenset[str]]] = WeakKeyDictionary()
# per content load: (entry, keywords only) → its phrasings, normalised
_PHRASINGS: WeakKeyDictionary[Understanding, dict[tuple[str, bool], tuple[str, ...]]] = WeakKeyDictionary()


def settles(u: Understanding, candidates: list[Scored], analysis: Analysis) -> str:
    """The one of the candidates close to the best (the best two, and a third as close to the best as the second
    is: 孕期能用A醇精华吗 has the A醇, pairing and pregnancy entries within three points) whose matched words and
    answer hold every content word of the message — else the best, when the message says one of its keywords and
    none of the others' (a keyword of the one behind does not overturn the lead: 主播讲的优惠券在哪领 is the live
    price's, not coupon_how's for 优惠券); "" when none or several do, or when there is nothing to settle."""
    if len(candidates) < 2:
        return ""
    asked = {word for word in analysis.words if not word.startswith(NEGATED)}
    if not asked:
        return ""
    margin = u.thresholds.clarify_margin
    close = [c for c in candidates[:3] if candidates[0].score - c.score < margin]
    holding = [c.entry for c in close if asked <= {*c.evidence, *answer_words(u, c.entry)}]
    if len(close) < 2:
        return ""
    if len(holding) == 1:
        return holding[0]
    others = [c.entry for c in close[1:]]
    keyed = [c.entry for c in close if _keyword_said(u, c.entry, analysis.text, others if c is close[0] else [])]
    return keyed[0] if keyed == [close[0].entry] else ""  # the lead, confirmed by its keyword; not the one behind


def _keyword_said(u: Understanding, entry_id: str, text: str, others: list[str]) -> bool:
    """Whether the message says one of the entry's keywords whole (我买的东西到哪了: order_status's 到哪了) that none of
    the `others` says in a phrasing of its own. A keyword is a word that all but settles what is asked
    (docs/authoring.md): of close entries, the one whose keyword she said is what she asks (late_delivery, near it
    on 买的东西, has none of its keywords in the message) — unless the other entry asks it too (包邮 in 会员包邮吗:
    two entries an operator wrote for the same words are offered as a numbered choice)."""
    said = [word for word in _phrasings(u, entry_id, keywords_only=True) if word in text]
    return any(not any(word in phrasing for other in others for phrasing in _phrasings(u, other)) for word in said)


def _phrasings(u: Understanding, entry_id: str, *, keywords_only: bool = False) -> tuple[str, ...]:
    """The entry's keywords (normalised), or its keywords and questions."""
    cache = _PHRASINGS.setdefault(u, {})
    key = (entry_id, keywords_only)
    found = cache.get(key)
    if found is None:
        entry = u.faq_by_id.get(entry_id)
        texts = [] if entry is None else entry.keywords if keywords_only else [*entry.keywords, *entry.questions]
        found = cache[key] = tuple(w for w in map(u.normalize, texts) if w)
    return found


def answer_words(u: Understanding, entry_id: str) -> frozenset[str]:
    """The content words of an entry's own answer text, read as a message is (synonyms, filler left out)."""
    cache = _ANSWER_WORDS.setdefault(u, {})  # read once per content load
    found = cache.get(entry_id)
    if found is None:
        entry = u.faq_by_id.get(entry_id)
        text = u.normalize(entry.answer) if entry is not None and entry.answer else ""
        found = frozenset(w for w in u.analyze(text).words if not w.startswith(NEGATED)) if text else frozenset()
        cache[entry_id] = found
    return found
