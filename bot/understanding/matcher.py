"""What the customer said: intents, FAQ candidates with their evidence, and one decision.

Decisions, with the thresholds of knowledge/matching.yaml (scores 0-100, see index.py):
- answer: the best entry scores ≥ `hit` and leads the next one by ≥ `clarify_margin`;
- clarify: the best two both reach `hit` but are within the margin — the customer picks 1 or 2;
- miss: nothing reaches `hit`; from `near_miss` up the message is kept for `siyu misses`.
A message with several clauses is also matched clause by clause; every clause answered is answered (when two
or more are; clauses that cannot reach `hit`, by Index.ceiling, are not searched). When the message as a whole
is not answered, one asking clause alone is, if the message talks the shop's language — more than SHOP_TALK of its
words are words the knowledge uses (拆了试了一次感觉不适合我 还能退不 — not 下班了过来找我，我请你吃饭) — and the
whole message's best candidate is that clause's entry.
A refusal (the `deny` or `later` intent: 不买了, 先不用) is answered from the FAQ only for what it says besides the
refusal's own words: 那我不买了 shares its characters with 不是我买的 (发错货), but it is no after-sales case.
"""

from __future__ import annotations

from dataclasses import replace

from bot.understanding.analysis import Analysis
from bot.understanding.asking import Asking
from bot.understanding.building import build
from bot.understanding.segment import SEGMENTER

__all__ = ["Analysis", "Candidate", "Decision", "Result", "Understanding"]
from bot.understanding.clause_reading import (
    CORRECTION_DISCOUNT,
    answered_clauses,
    clauses_answered,
    counted,
    news_told,
    said_whole,
)
from bot.understanding.clause_reading import without_news as without_news
from bot.understanding.decision import collector_paused, decide
from bot.understanding.index import Scored
from bot.understanding.intents import IntentIndex
from bot.understanding.knowledge import Knowledge, Thresholds
from bot.understanding.normalize import Normalizer, clauses
from bot.understanding.product_answers import ProductAnswers
from bot.understanding.result import Decision, Result
from bot.understanding.settling import settles

Candidate = Scored
SHOP_TALK = 0.5  # a message answered by one clause alone: more than this share of its words are the knowledge's
SUGGEST_LEAST = 11  # characters (normalised): a shorter question (晚上可以用吗, 一天用几次) has too few words to guess
# from — on the labelled sets most guesses at ≤ 10 characters were out of scope, and a QA round found 8 of 10 wrong
READ = 3  # candidates understand() reads: the best two decide, the best three go into the Result
REFUSALS = frozenset({"deny", "later"})  # intents that say no (不买了, 先不用): the FAQ answers only what else is said


class Understanding:
    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.faq_by_id = knowledge.faq_by_id()
        self._not_asked_as = {e.id: frozenset(e.not_asked_as) for e in knowledge.faq if e.not_asked_as}
        self.thresholds: Thresholds = knowledge.thresholds
        self.normalize = Normalizer(knowledge.variants, knowledge.emoji)
        self._unless = {e.id: [w for w in map(self.normalize, e.unless) if w] for e in knowledge.faq if e.unless}
        self._unless_intents = {e.id: frozenset(e.unless_intents) for e in knowledge.faq if e.unless_intents}
        self._telling = frozenset(f.intent for e in knowledge.faq for f in e.follows if not f.after)  # 到现在都没到
        self._asks = Asking(self.normalize, knowledge.language.question_endings, knowledge.language.question_words,
                            knowledge.language.negations)
        self.ellipsis = [e for e in (self.normalize(x) for x in knowledge.language.ellipsis) if e]
        with collector_paused():  # millions of small objects, none of them garbage: 20-30% faster
            built = build(knowledge, self.normalize)  # building.py: the analyzer, index and corrector
            self.analyze, self.index, self.corrector = built.analyze, built.index, built.corrector
            self.intents = IntentIndex.build(knowledge, self.normalize)
            self.product_answers = ProductAnswers(knowledge.products, lambda t: self.analyze(self.normalize(t)),
                                                  self.thresholds.hit)
            self._last_correction: tuple[str, tuple[str, list[tuple[str, str]]]] | None = None

    def product_answer(self, product_id: str, text: str) -> tuple[int, Scored] | None:
        """Which of a product's own answers a follow-up asks for (怎么用 right after it was recommended)."""
        return self.product_answers.answer(product_id, text)

    def search(self, text: str, *, marked: bool = False, few: bool = False) -> tuple[Analysis, list[Scored], str]:
        """The best reading of a message (as typed, or with typos corrected) and its candidates. `marked`:
        the message as typed had a question mark (normalising removes it); `few`: only the first READ
        candidates are read (the rest may be left out)."""
        normalized = self.normalize(text)
        words = SEGMENTER.cut(normalized)
        analysis = self.analyze(normalized, words)
        statement = not (marked or self._asks(text, normalized, analysis))
        return self._search(normalized, words, analysis, statement, few=few)

    def _search(self, normalized: str, words: list[str], analysis: Analysis, statement: bool,
                corrected: tuple[str, list[tuple[str, str]], Analysis | None] | None = None, *, few: bool = False,
                ) -> tuple[Analysis, list[Scored], str]:
        """search() of a text already read: `normalized`, cut into `words`, its analysis and whether it is a
        statement; `corrected`: what the corrector made of it and that reading's analysis, when the caller
        has them already."""
        candidates = self._found(analysis, statement, few, normalized)
        text, fixes, other = corrected or (*self._corrected(normalized, words), None)
        if fixes:
            if other is None:
                other = self.analyze(text)
            found = self._found(other, statement, few, text)
            sure = self.thresholds.hit + self.thresholds.clarify_margin  # 脸又泛红 read as 脸油 reached 64 only
            if found and found[0].score * CORRECTION_DISCOUNT >= sure and (
                    not candidates or found[0].score * CORRECTION_DISCOUNT > candidates[0].score):
                heard = "、".join(f"{typed}→{meant}" for typed, meant in fixes)
                return other, [Scored(c.entry, c.score * CORRECTION_DISCOUNT, c.matched, c.evidence)
                               for c in found], f"读成 {heard}；"
        return analysis, candidates, ""

    def _found(self, analysis: Analysis, statement: bool, few: bool, normalized: str) -> list[Scored]:
        """The index's candidates this kind of question may be answered by; with `few`, at least the first READ
        of them (all of them when there are fewer): what understand() reads, without scoring the rest for
        nothing."""
        limit = READ + 2 if few else None  # two spare for entries _askable leaves out
        found = self.index.search(analysis, statement=statement, limit=limit)
        kept = self._askable(found, analysis, normalized)
        if limit is not None and len(kept) < READ and len(found) == limit:
            kept = self._askable(self.index.search(analysis, statement=statement), analysis, normalized)  # more out
        return kept

    def _askable(self, candidates: list[Scored], analysis: Analysis, normalized: str) -> list[Scored]:
        """Without the entries that never answer this kind of question (`not_asked_as`), nor a message that says
        one of their `unless` words (用了精华脸上长了好多闭口 is a breakout after use, not acne care) or carries one
        of their `unless_intents` (我补差价: she pays the difference of an exchange, it is no price protection)."""
        said = {name for name, _ in self.intents.detect(normalized, self.thresholds.intent)} \
            if any(c.entry in self._unless_intents for c in candidates) else set()
        return [c for c in candidates if not (self._not_asked_as.get(c.entry, frozenset()) & analysis.kinds)
                and not any(word in normalized for word in self._unless.get(c.entry, ()))
                and not (self._unless_intents.get(c.entry, frozenset()) & said)]

    def understand(self, text: str) -> Result:
        """What one message says. While it is read, its clauses' normal forms and intents are worked out once
        (the clause readings ask for them several times); nothing is kept from one message to the next."""
        if self.normalize.memo is not None:  # a reading within the reading (the message without its news)
            return self._understand(text)
        self.normalize.memo, self.intents.memo = {}, {}
        try:
            return self._understand(text)
        finally:
            self.normalize.memo = self.intents.memo = None

    def _understand(self, text: str) -> Result:
        normalized = self.normalize(text)
        intents = self.intents.detect(normalized, self.thresholds.intent)
        if not normalized:
            return Result(text, normalized, Decision.MISS, [], [], intents, "去掉标点、空格后什么都不剩")
        rest = without_news(self, text)
        if rest:  # 快递到了 但是碎了一瓶: the news is no question, the rest is read on its own
            inner = self.understand(rest)
            if inner.decision is Decision.MISS and not inner.intents and not inner.question:  # 我老公惹我了 心情好差:
                news = news_told(self, text, intents)  # the rest says nothing: the small talk is what she said
                inner = replace(inner, intents=news, chat=self.chat(normalized, news, False), near_miss=False)
            return replace(inner, text=text, reason=f"闲聊的那句不算，只读“{rest}”：{inner.reason}")
        analysis, candidates, note = self.search(normalized, marked="?" in text or "？" in text, few=True)
        heard = self.hear(normalized)  # while the whole message's correction is the one kept (clauses replace it)
        if heard:  # 防晒多少前 asks the price (多少钱) as surely as 防晒多少钱: the intents of what she meant too
            intents = self.intents.merged(intents, self.intents.detect(heard, self.thresholds.intent))
        decision, answers, reason, near = self.decide(candidates, analysis)
        reason = note + reason
        if analysis.empty:
            reason = "只有不计分的词（请问、呀这类），没什么可匹配的"
        parts = clauses(text)
        if len(parts) > 1:
            missed = decision is not Decision.ANSWER
            shop_talk = missed and self.index.known_share(analysis) > SHOP_TALK
            told = answered_clauses(self, parts, 1 if shop_talk else 2, stories=missed)  # read once for both
            answered = counted(told, missed, 2)
            if not answered and shop_talk:
                alone = counted(told, missed, 1)
                if alone and (not candidates or alone == [candidates[0].entry]):
                    answered = alone  # the whole message leans the same way as its one clause, or nowhere
            whole = [] if answered or not missed else said_whole(self, parts, candidates)  # 有没有面霜啊 她爱抹厚的
            if whole:
                decision, answers, near = Decision.ANSWER, whole, False
                reason = f"{len(parts)} 句话，只有一句在问，说的正是一条问法：回答它"
            elif answered and answered != answers:
                decision, answers, near = Decision.ANSWER, answered, False
                reason = f"{len(parts)} 句话，回答了其中 {len(answered)} 条"
        refusing = sorted(REFUSALS.intersection(name for name, _ in intents))
        if refusing and decision is not Decision.MISS and not self._asks_besides(normalized, set(refusing)):
            decision, answers, near = Decision.MISS, [], False  # 不买了 is no 不是我买的, whatever their characters
            reason = f"是拒绝（{'、'.join(refusing)}），此外没有 FAQ 能答的话；不按“{reason}”回答"
        asks = self._asks(text, normalized, analysis)
        chat = self.chat(normalized, intents, asks)
        near = near and not chat  # small talk is no question the knowledge nearly answered
        if chat and decision is not Decision.MISS and self.intents.said_example(normalized, chat):
            decision, answers, near = Decision.MISS, [], False  # 下班了 is small talk, not a working-hours question
            reason = f"是闲聊（{chat}）：整句就是它的例句，不按“{reason}”回答"
        offer = (self._suggestion(candidates) if decision is Decision.MISS and asks and not refusing and not chat
                 and len(normalized) >= SUGGEST_LEAST else "")
        return Result(text, normalized, decision, answers, candidates[:3], intents, reason, near,
                      analysis.kinds, analysis.words, asks, heard, chat=chat, suggestion=offer)

    def chat(self, normalized: str, intents: list[tuple[str, float]], asks: bool) -> str:
        """The small-talk intent a message is: its best intent, when that is marked `smalltalk` — and, for a
        question, the whole message is (close to) one of its examples: a keyword inside a longer question
        (去旅游能带上飞机吗) leaves the question to the FAQ or the honest fallback."""
        name = intents[0][0] if intents else ""
        if name not in self.intents.smalltalk:
            return ""
        if asks and not self.intents.like_example(normalized, name, self.thresholds.intent):
            return ""
        return name

    def _suggestion(self, candidates: list[Scored]) -> str:
        """The entry to offer a question we cannot answer outright (你是想问「…」吗): the best candidate, when it
        reaches `suggest` and leads the next by `suggest_margin` — and the message is long enough to lean
        (SUGGEST_LEAST; docs/understanding.md, "Suggestions")."""
        t = self.thresholds
        if not candidates or candidates[0].score < t.suggest:
            return ""
        second = candidates[1].score if len(candidates) > 1 else 0.0
        return candidates[0].entry if candidates[0].score - second >= t.suggest_margin else ""

    def _clauses_answered(self, parts: list[str], least: int = 2, *, stories: bool = False) -> list[str]:
        return clauses_answered(self, parts, least, stories=stories)

    def _asks_besides(self, normalized: str, refusals: set[str]) -> bool:
        """Whether what a refusal says besides its own words is answered (瓶子碎了 不要了: the broken bottle is)."""
        rest = self.intents.remainder(normalized, refusals)
        return bool(rest) and self.decide(self.search(rest, few=True)[1])[0] is not Decision.MISS

    def elided(self, result: Result) -> str:
        """What an elliptical question asks about (那A醇呢 → 那a醇: the question just answered, about A醇); "" when
        the message is no such question: no `ellipsis` ending, no word the knowledge base knows (那明天呢), or a
        question of its own (怎么用呢)."""
        ending = next((e for e in self.ellipsis if result.heard.endswith(e)), "")
        if not ending or result.kinds or not any(word in self.analyze.known for word in result.words):
            return ""
        return result.heard.removesuffix(ending)

    def hear(self, normalized: str) -> str:
        """The normalised text with its typos read as the knowledge base's words; "" when it has none. Whether the
        FAQ match keeps that reading is decided apart (search); survey answers and product names use it always:
        我是敏敢肌 says 敏感肌 whatever the FAQ makes of the rest."""
        heard, fixes = self._corrected(normalized)
        return heard if fixes else ""

    def _corrected(self, normalized: str, words: list[str] | None = None) -> tuple[str, list[tuple[str, str]]]:
        """The corrector's reading of the last message read (search and hear both ask for it)."""
        last = self._last_correction
        if last is None or last[0] != normalized:
            last = self._last_correction = (normalized, self.corrector(normalized, words or SEGMENTER.cut(normalized)))
        return last[1]

    def has_intents(self, text: str) -> bool:
        """Whether understand(text) finds an intent, without matching the text against the FAQ."""
        return bool(self.intents.detect(self.normalize(text), self.thresholds.intent))

    def may_reply(self, text: str) -> bool:
        """Whether `text` may be a short reply of its own (engine/burst.py cuts those off): it has an intent, and
        not only intents an FAQ entry follows at any time — those tell a situation the FAQ answers (之前不知道怀孕
        用了A醇 is one message, not a reply and then a question)."""
        found = self.intents.detect(self.normalize(text), self.thresholds.intent)
        return any(name not in self._telling for name, _ in found)

    def asks(self, text: str) -> bool:
        """Whether `text` (a clause as typed) asks something: a kind of question, a question ending or word, a ?."""
        normalized = self.normalize(text)
        return bool(normalized) and self._asks(text, normalized, self.analyze(normalized))

    def decide(self, candidates: list[Scored],
               analysis: Analysis | None = None) -> tuple[Decision, list[str], str, bool]:
        """decide(); with the message's `analysis`, a close pair one entry's question and answer settle is answered."""
        return decide(candidates, self.thresholds, settles(self, candidates, analysis) if analysis else "")
