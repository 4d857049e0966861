"""What an FAQ entry is about, in one word: the anchor a short follow-up (怎么用 after the points answer) or an
elliptical clause (积分怎么攒 会不会过期) is read with."""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from bot.understanding.matcher import Understanding

_TOPICS: WeakKeyDictionary[Understanding, dict[str, str]] = WeakKeyDictionary()


def topic_word(understanding: Understanding, entry_id: str) -> str:
    """What an FAQ entry is about, to read a short follow-up with: the word most of its phrasings use (积分 for
    积分会过期吗, so 怎么用 reads as 积分怎么用, not as 积分过期怎么用), or the shortest keyword holding it when
    it is one character (a醇); its first keyword if no word is shared."""
    topics = _TOPICS.get(understanding)
    if topics is None:
        topics = _TOPICS[understanding] = {}
    if entry_id not in topics:
        entry = understanding.faq_by_id[entry_id]
        counts: dict[str, int] = {}
        for text in (*entry.questions, *entry.keywords):
            for word in set(understanding.analyze(understanding.normalize(text)).words):
                if not word.startswith("¬"):
                    counts[word] = counts.get(word, 0) + 1
        word, uses = max(counts.items(), key=lambda item: (item[1], len(item[0])), default=("", 0))
        keywords = sorted((k for k in entry.keywords if word and word in understanding.normalize(k)), key=len)
        if uses < 2:
            word = (entry.keywords or entry.questions)[0]
        elif len(word) < 2 and keywords:  # 醇 of a醇: the shortest keyword that holds it
            word = keywords[0]
        topics[entry_id] = word
    return topics[entry_id]
