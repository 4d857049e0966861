"""A message of several clauses, read clause by clause (docs/understanding.md, "Decisions").

Every clause answered is answered when `least` of them are (two, or one when the message talks the shop's
language); clauses that cannot reach `hit`, by Index.ceiling, are not searched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from bot.understanding.analysis import Analysis
from bot.understanding.index import Scored
from bot.understanding.naming import ProductNames
from bot.understanding.normalize import clauses
from bot.understanding.result import Decision
from bot.understanding.segment import SEGMENTER
from bot.understanding.topic import topic_word

if TYPE_CHECKING:
    from bot.understanding.matcher import Understanding

CORRECTION_DISCOUNT = 0.97  # a reading with a typo corrected must explain the message better than that
WHOLE_PHRASING = 99.95  # a score that says all of a phrasing and nothing more
ELLIPTICAL_WORDS = 1  # a clause of this many content words may leave its topic to the clause before it
_NAMES: WeakKeyDictionary[Understanding, tuple[ProductNames, tuple[str, ...]]] = WeakKeyDictionary()


def clauses_answered(u: Understanding, parts: list[str], least: int = 2, *, stories: bool = False) -> list[str]:
    """The entries a message's clauses answer (see `answered_clauses`), counted: `counted(told, stories, least)`."""
    return counted(answered_clauses(u, parts, least, stories=stories), stories, least)


def answered_clauses(u: Understanding, parts: list[str], least: int = 2, *,
                     stories: bool = False) -> dict[int, tuple[bool, list[str]]]:
    """Clause number → (asks, entries) for every clause answered; {} when fewer than `least` can be. Counted
    by `counted`: [] unless at least `least` clauses are answered
    (two that ask the same entry in other words count as two) and one of them asks: a question, or a
    request that says one of its entry's questions and nothing more (我要退款). With `stories` (the whole
    message was not answered), a statement answered right beside it counts too: 买了一周了还没发货 我要退款
    gets the shipping answer and the refund one; 到广州了，这是新号 asks nothing. Fewer than `least` clauses
    that can be answered are found without searching: no reading of the other clauses, as typed or
    with typos corrected, can reach `hit` (Index.ceiling). A clause searched is not read again: its
    normalised text, words, analysis and any correction made for its ceiling are searched as they are."""
    readings = []
    for part in parts:
        normalized = u.normalize(part)
        words = SEGMENTER.cut(normalized)
        readings.append((part, normalized, words, u.analyze(normalized, words)))
    hit = u.thresholds.hit
    possible = [u.index.ceiling(analysis) >= hit for _, _, _, analysis in readings]
    corrections: dict[int, tuple[str, list[tuple[str, str]], Analysis | None]] = {}
    unsure = [number for number, can in enumerate(possible) if not can]
    for left, number in enumerate(unsure):
        if sum(possible) + len(unsure) - left < least:
            return {}
        _, normalized, words, _ = readings[number]
        corrected, fixes = u.corrector(normalized, words)
        other = u.analyze(corrected) if fixes else None
        corrections[number] = (corrected, fixes, other)
        if other is not None:
            possible[number] = u.index.ceiling(other) * CORRECTION_DISCOUNT >= hit
    if sum(possible) < least:
        return {}
    told: dict[int, tuple[bool, list[str]]] = {}  # clause answered → (asks, its entries)
    for number, ((part, normalized, words, analysis), can) in enumerate(zip(readings, possible, strict=True)):
        if can:
            asks = u._asks(part, normalized, analysis)
            if not asks and not stories and not _may_request(u, analysis):
                continue  # a statement counts only as a request (我要退款), which says a phrasing whole
            # search(part), without reading it again
            found = u._search(normalized, words, analysis, not asks, corrections.get(number), few=True)[1]
            decision, answers, _, _ = u.decide(found)
            if decision is Decision.ANSWER:
                told[number] = (asks or _requests(u, found[0]), answers)
    for number in sorted(told):
        if number - 1 in told:
            _, normalized, _, analysis = readings[number]
            carried = _about_the_clause_before(u, normalized, analysis, told[number - 1][1], told[number][1])
            if carried:
                told[number] = (told[number][0], carried)
    return told


def _about_the_clause_before(u: Understanding, normalized: str, analysis: Analysis, before: list[str],
                             alone: list[str]) -> list[str]:
    """积分怎么攒啊 会不会过期: a clause of one word (过期) after an answered clause may ask about that clause's topic.
    Read with the topic's word in front (积分会不会过期), it is answered by another entry than either clause alone
    (points_expire, not the product shelf life): that entry; [] when the clause names its own topic."""
    if len(analysis.words) > ELLIPTICAL_WORDS:
        return []
    topic = topic_word(u, before[0])
    if not topic or topic in normalized:
        return []
    found = u.search(topic + normalized, marked=True, few=True)[1]
    decision, answers, _, _ = u.decide(found)
    if decision is not Decision.ANSWER or set(answers) & {*before, *alone}:
        return []
    own = set(analysis.words)
    evidence = set(found[0].evidence)
    # one phrasing says both, the topic and the clause's word (积分会过期吗); 防晒 + pa几个 found only 防晒
    return answers if evidence & own and evidence - own else []


def _may_request(u: Understanding, analysis: Analysis) -> bool:
    """Whether a statement clause can score WHOLE_PHRASING as typed (Index.ceiling; a reading with typos corrected
    never does: CORRECTION_DISCOUNT): else no search can make it a request."""
    return u.index.ceiling(analysis) >= WHOLE_PHRASING


def _requests(u: Understanding, best: Scored) -> bool:
    """A statement that says one of its entry's questions and nothing more asks it (我要退款); a keyword
    said whole does not (太贵了，不买了 is no question) — unless its entry hands over: 发错了, 碎了一瓶 report an
    after-sales case, and reporting it is asking a person to handle it (发错了 我买的是乳液给我发的水)."""
    entry = u.faq_by_id[best.entry]
    return best.score >= WHOLE_PHRASING and (best.matched in entry.questions or entry.handover)


def said_whole(u: Understanding, parts: list[str], leaning: list[Scored]) -> list[str]:
    """你们有没有面霜啊 她就喜欢抹厚的: one clause asks, word for word, one of an entry's questions (WHOLE_PHRASING as
    typed) and every other clause asks nothing — they tell her situation around the question — and the whole
    message (`leaning`: its candidates) leans to that entry far enough to guess it (`suggest`). The entry is
    answered; [] otherwise (two clauses ask, the asking one says more than a phrasing, or the whole message is
    about something else: 爸妈今晚过来吃饭 记得买菜 还有货吗)."""
    if not leaning or leaning[0].score < u.thresholds.suggest:
        return []
    asking: list[tuple[str, list[str], Analysis]] = []
    telling: list[tuple[str, list[str], Analysis]] = []
    for part in parts:
        normalized = u.normalize(part)
        words = SEGMENTER.cut(normalized)
        analysis = u.analyze(normalized, words)
        (asking if u._asks(part, normalized, analysis) else telling).append((normalized, words, analysis))
    if len(asking) != 1 or not _may_request(u, asking[0][2]) or any(_names_kind(u, told) for told, _, _ in telling):
        return []
    normalized, words, analysis = asking[0]
    found = u._search(normalized, words, analysis, False, None, few=True)[1]
    decision, answers, _, _ = u.decide(found)
    return answers if decision is Decision.ANSWER and found[0].score >= WHOLE_PHRASING \
        and leaning[0].entry in answers else []


def _names_kind(u: Understanding, normalized: str) -> bool:
    """Whether a clause names a product or a kind of product (这面霜擦上老舒服了 + 还有没有货了: the question is about
    it, so the asking clause alone does not say what is asked)."""
    known = _NAMES.get(u)
    if known is None:  # once per content load: normalising every kind for every clause cost ~10% of a message
        known = _NAMES[u] = (ProductNames(u.knowledge.products, u.normalize),
                             tuple(k for k in map(u.normalize, u.knowledge.not_carried) if k))
    names, kinds = known
    return any(kind in normalized for kind in kinds) or bool(names.kind_asked(normalized)) \
        or names.named(normalized) is not None


def without_news(u: Understanding, text: str) -> str:
    """The message without its clauses that are small talk word for word (快递到了, 收到了, 下班了: the customer
    tells us something), when other clauses are left: 快递到了 但是碎了一瓶 is the broken bottle, not a tracking
    question; "" when no clause is such news, or every one is (the whole message is read as usual)."""
    parts = clauses(text)
    if len(parts) < 2:
        return ""
    rest = [part for part in parts if not _news(u, part)]
    return " ".join(rest) if rest and len(rest) < len(parts) else ""


def news_told(u: Understanding, text: str, intents: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """The small-talk intents of a message and of each of its clauses (我老公今天惹我了 心情好差: chat_down), best
    first — for a message whose rest, without its news, says nothing the knowledge or an intent reads."""
    found = u.intents.merged(intents, *(u.intents.detect(u.normalize(part), u.thresholds.intent)
                                        for part in clauses(text)))
    return [(name, score) for name, score in found if name in u.intents.smalltalk]


def _news(u: Understanding, part: str) -> bool:
    normalized = u.normalize(part)
    intents = u.intents.detect(normalized, u.thresholds.intent)
    name = intents[0][0] if intents else ""
    return name in u.intents.smalltalk and u.intents.like_example(normalized, name, 100)


def counted(told: dict[int, tuple[bool, list[str]]], stories: bool, least: int) -> list[str]:
    """The entries of the clauses that ask, and with `stories` of a statement right beside one (a story told
    with the question); [] unless `least` clauses count and one asks (到广州了，这是新号 is news)."""
    asking = {number for number, (asks, _) in told.items() if asks}
    counted = [number for number in sorted(told)
               if number in asking or (stories and {number - 1, number + 1} & asking)]
    if not asking or len(counted) < least:
        return []
    answered: list[str] = []
    for number in counted:
        answered.extend(a for a in told[number][1] if a not in answered)
    return answered
