"""Is what the customer said at "what should I call you" a name?

Only a plausible name is kept: short, not a question, not a yes/no/greeting or any other intent, not
something the knowledge base answers with every word of it. 叫我小雨 / 我是小雨 / 小雨就行 are understood as
小雨; 我是敏感肌 is not a name (敏感肌 is what the knowledge base talks about), nor is 好, 你好呀,
优惠卷怎么用不了. A refusal (不想告诉你名字, 我叫什么不重要) is an intent (`no_name` in the bundled content), so
it is never a name either.

Framings, strongest first:
- a nickname word (网名叫奶茶不加糖, 昵称是…, 小名叫…): anything short after it is the name, a negation too;
- "call me" (叫我宝宝, 你就叫我宝宝吧, 大家都叫我胖胖, 我叫小雨, 名字是…): the name must not be a question, an
  intent or a sentence, but may be a word the knowledge base knows (宝宝 is a name here, not a baby);
- 我是… / 本人… (我是小雨): only a name nothing else reads (我是学生, 我是敏感肌 are not); unasked, only as a
  self-introduction before a question (我是李姐，孕妇能用吗: engine/burst.py cuts it off).
我姓李 (or 李 alone) gives only a surname: `surname_in` reads it, and the persona says how to call her.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bot.understanding.analysis import NEGATED
from bot.understanding.knowledge import Knowledge
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses
from bot.understanding.segment import SEGMENTER

LONGEST = 8  # characters: 小雨, 阿美, Lily, 王女士 — a sentence is not a name
_POLITE = r"(?:其实|那|还是)?(?:你|您)?(?:可以|就|直接|随便|以后|以后就)*"  # 其实叫我美美就好: she changes it
_WHO = r"(?:大家|朋友|朋友们|别人|身边人|身边的人|家里人|同事|同学|他们|闺蜜|我朋友|姐妹们)?"
_USUALLY = r"(?:都|一般|平时|一般都|平时都|通常|经常)?"
_NICK = r"(?:我的?)?(?:网名|昵称|小名|外号|微信名|英文名|绰号)(?:叫做|叫|是)"
_CALL = (rf"{_WHO}{_USUALLY}(?:叫我|喊我|称呼我)(?:做|作)?|我(?:就)?叫|(?:我的?)?名字(?:叫做|叫|是)")
_NICKNAMED = re.compile(rf"^{_POLITE}{_NICK}")
_TOLD = re.compile(rf"^{_POLITE}(?:{_NICK}|{_CALL})")
_FRAMED = re.compile(rf"^{_POLITE}(?:{_NICK}|{_CALL}|我是|本人)")
_SELF = re.compile(r"^(?:我是|本人)")  # 我是李姐，孕妇能用吗: a self-introduction, when a question follows
_TRAILING = re.compile(r"(?:就行|就好|就可以|即可|也行|也可以|吧|哦|呀|啦|呢|哈|嘛)+$")
_SURNAME = re.compile(r"^(?:我|本人|免贵)?(?:姓)([\u4e00-\u9fff]{1,2})(?:就行|就好|吧|哦|呀|啦|哈)*$")
_ONE_HAN = re.compile(r"^[\u4e00-\u9fff]$")


def name_in(result: Result, understand: Callable[[str], Result]) -> str | None:
    """The name the customer gave, or None when the reply is something else."""
    text = result.normalized
    framed = _FRAMED.match(text)
    parts = clauses(result.text)
    if framed and len(parts) > 1:  # 叫我小鹿 学生党: the name is the first clause's, the rest is about her
        first = understand(parts[0])
        if _FRAMED.match(first.normalized):
            result, text = first, first.normalized
            framed = _FRAMED.match(text)
    elif len(parts) > 1:  # 干皮 叫我琪琪: her skin first, then the name in so many words (QA round 17)
        naming = [reading for part in parts[1:] if _TOLD.match((reading := understand(part)).normalized)]
        if len(naming) == 1:
            result, text = naming[0], naming[0].normalized
            framed = _FRAMED.match(text)
    if not text or "?" in result.text or "？" in result.text or (result.question and not framed):
        return None  # (你可以叫我Lily reads as a question only because of 可以: the name inside decides)
    name = _TRAILING.sub("", text[framed.end():] if framed else text)
    if not name or len(name) > LONGEST or name.isdigit():
        return None
    if result.intents or (not framed and _talks_about(result)):
        return None  # 好, 不用, 在吗, 干皮, 我是学生 (self_intro), 我叫什么不重要 (no_name): another kind of answer
    if framed and understand(text[framed.end():]).question:
        return None  # 叫我干嘛 (嘛 is no particle of a name here)
    if framed and _NICKNAMED.match(text):
        return _original(result.text, name)  # 网名叫奶茶不加糖: a nickname may be any short phrase
    inner = understand(name) if framed else result
    told = framed is not None and _TOLD.match(text) is not None
    if inner.intents or inner.question or (not told and _talks_about(inner)):
        return None  # 我是敏感肌, 叫我好的: framed, but no name inside (叫我宝宝 is one: she said "call me")
    if not _all_named(inner, name) or (not told and _a_sentence(inner)):
        return None  # 但是我不懂护肤, 你猜, 还没想好: a sentence (filler words, a negation), not a name
    return _original(result.text, name)


def told_name(result: Result, understand: Callable[[str], Result]) -> str | None:
    """A name the customer gave without being asked, in words that can mean nothing else: 叫我小雨, 我叫小雨,
    大家都叫我胖胖, 网名是… (not 我是…: 我是学生 is no name)."""
    if not _TOLD.match(result.normalized):
        return None
    return name_in(result, understand)


def introduces(result: Result, understand: Callable[[str], Result], *, asking: bool = False) -> bool:
    """The clause tells her name or surname in so many words (我叫小雨, 大家都叫我胖胖, 我姓李): what follows it in
    the same message is something else. `asking`: a question follows, so 我是李姐 / 本人小雨 introduce her too
    (with a name nothing else reads: 我是学生, 我是敏感肌, 我是小白 do not)."""
    return (told_name(result, understand) is not None or _SURNAME.match(result.normalized) is not None
            or (asking and introduced_name(result, understand) is not None))


def introduced_name(result: Result, understand: Callable[[str], Result]) -> str | None:
    """The name of a self-introduction (我是李姐, 本人小雨) said before a question, or None."""
    return name_in(result, understand) if _SELF.match(result.normalized) else None


def told_surname(result: Result) -> str | None:
    """我姓张 said in so many words (asked or not): the surname, else None."""
    found = _SURNAME.match(result.normalized)
    return found.group(1) if found else None


def surname_in(result: Result) -> str | None:
    """我姓李, 免贵姓欧阳, or a single character (李) with nothing else in it: the surname, else None."""
    text = result.normalized
    found = _SURNAME.match(text)
    if found:
        return found.group(1)
    typed = re.sub(r"[\W_]+", "", result.text)  # 甜甜 normalises to 甜: one character as typed, not as read
    if _ONE_HAN.match(typed) and not result.intents and not result.question and result.decision is Decision.MISS:
        return typed  # 陈: asked what to call her, one character is a surname
    return None


def mostly(vocabulary: Iterable[str], text: str) -> bool:
    """At least half of the text is made of these words (随便抹抹派 by 随便 and 抹抹): it answers what they are
    about, it is not a name (小懒猫 is one: 懒 is a third of it)."""
    covered = [False] * len(text)
    for word in vocabulary:
        start = text.find(word) if word else -1
        while start >= 0:
            covered[start:start + len(word)] = [True] * len(word)
            start = text.find(word, start + 1)
    return bool(text) and 2 * sum(covered) >= len(text)


def topic_words(knowledge: Knowledge, survey_words: Iterable[str], normalize: Callable[[str], str]) -> list[str]:
    """What the knowledge base talks about, in words of two characters or more: its FAQ keywords, its products'
    names and what they fit, and the survey's own words (the codebook's options and mentions, `survey_words`).
    A reply mostly made of them (敏感肌 容易红, 毛孔大, 保湿水) answers about her skin or asks for a product: it is
    no name, whatever the FAQ makes of it."""
    phrases = [*(k for entry in knowledge.faq for k in entry.keywords),
               *(w for product in knowledge.products for w in (product.name, *product.fits)), *survey_words]
    return sorted({w for w in map(normalize, phrases) if len(w) >= 2}, key=len, reverse=True)


def _a_sentence(reading: Result) -> bool:
    """An adverb between two words (脸 又 红, 皮肤 很 干): a statement about something, not a name."""
    adverbs = SEGMENTER.adverbs()
    return any(word in adverbs for word in reading.words[1:-1])


def _all_named(reading: Result, name: str) -> bool:
    """Every character of the name is in a content word, none negated: a name holds no filler word (我, 但是,
    也), no negation and no question cue. (Lengths, not characters: a synonym is read as its group's first
    word, of the same length or close to it.)"""
    if any(word.startswith(NEGATED) for word in reading.words):
        return False
    return sum(len(word) for word in reading.words) >= len(name)


def _talks_about(result: Result) -> bool:
    """The knowledge base answers the reply with every word of it (干皮, 敏感肌), not just one character a
    name happens to share with a phrasing (小美: 小 as in 小的)."""
    if result.decision is Decision.MISS:
        return False
    shared = set(result.candidates[0].evidence) if result.candidates else set()
    return not shared or all(word in shared for word in result.words)


def _original(text: str, name: str) -> str:
    """The name as the customer typed it (Lily, not lily; 甜甜, which normalising made 甜), when it can be found."""
    compact = re.sub(r"\s+", "", text)
    found = re.search("".join(re.escape(char) + "+" for char in name), compact, flags=re.IGNORECASE)
    return found.group(0) if found else name
