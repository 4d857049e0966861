"""What she said before that a message is read against (QA round 6): where she is, the topic just answered, and
who she is talking about.

- **A place** she names (我在新疆, 新疆的; a word jieba's dictionary tags as a place name that the knowledge base
  knows) is remembered for the session. A later question the FAQ answers without a place (多久能到) is read again with
  the place in front (新疆多久能到); when the place decides that reading (it is evidence of the entry) and the entry is
  on the same subject as her question's own (a tag in common: 物流), that is the answer: the remote-area shipping
  answer, not the general delivery times. A question of another subject (新疆 … 怎么用) is left alone.
- **The topic just answered** (the turn before): a short statement (a reaction to the answer, not a question of its
  own) that the FAQ alone answers with an entry that hands over, off the topic's subject (没收到啊 → late_delivery),
  is read again with the topic's word in front (优惠券没收到啊); an entry on the topic's subject (a tag in common with
  it: 优惠) that this reading answers or offers is the answer. A false handover silences the bot for the rest of
  the conversation, so only that reading is doubted: 包邮吗 asks about its own subject, 油皮 after the sunscreen
  answer answers the survey, and both are left alone.
- **Someone she talks about** (the codebook's `others`: 男朋友, 儿子, 老公): a statement whose only evidence for an
  FAQ entry is that person (明天要见男朋友 → men_use by 男朋友) is not a question about them; it is left unanswered by
  the FAQ. 男朋友能用吗 asks, and is answered.
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine.followup import SHORT
from bot.engine.memory import recent, remember
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result, Understanding
from bot.understanding.segment import SEGMENTER
from bot.understanding.topic import topic_word

PLACE = "place"  # session.context: the place she said she is in
PLACE_TURNS = 10_000  # a place holds for the session
_TOPIC = "topic"


def read(ctx: TurnContext, result: Result) -> Result:
    """The message as read against what she said before (see the module's docstring)."""
    understanding, session = ctx.content.understanding, ctx.session
    if not result.normalized:
        return result
    place = _place_in(understanding, result.normalized)
    if place:
        remember(session, PLACE, place)
    situated = _at_place(ctx, understanding, result, place) or _on_topic(ctx, understanding, result)
    if situated is not None:
        return situated
    return _about_someone(ctx, result)


def _place_in(understanding: Understanding, text: str) -> str:
    places = SEGMENTER.places()
    known = understanding.analyze.known
    for word in SEGMENTER.cut(text):
        if word in places and (word in known or understanding.analyze.canonical.get(word, "") in known):
            return word
    return ""


def _at_place(ctx: TurnContext, understanding: Understanding, result: Result, said: str) -> Result | None:
    place = str(recent(ctx.session, PLACE, within=PLACE_TURNS) or "")
    if said or not place or not result.question or result.decision is not Decision.ANSWER:
        return None
    again = understanding.understand(place + result.normalized)
    word = understanding.analyze.canonical.get(place, place)
    if not _answers_otherwise(understanding, result, again) or not again.candidates \
            or word not in again.candidates[0].evidence:
        return None
    ctx.why.append(f"她说过在{place}：带上{place}再读一次（{again.answers[0]}）")
    return replace(again, text=result.text, intents=result.intents)


def _on_topic(ctx: TurnContext, understanding: Understanding, result: Result) -> Result | None:
    topic = understanding.faq_by_id.get(str(recent(ctx.session, _TOPIC, within=1) or ""))
    if (topic is None or result.question or result.decision is not Decision.ANSWER or result.intents
            or len(result.normalized) > SHORT):
        return None  # 包邮吗 after the coupon answer asks about its own subject
    subject = set(topic.tags)
    if _subjects(understanding, result.answers) & subject:
        return None  # 太贵了 after the coupon answer: on the subject already
    if not any(understanding.faq_by_id[a].handover for a in result.answers if a in understanding.faq_by_id):
        return None  # 油皮 after the sunscreen answer answers the survey: only a handover off the subject is doubted
    own = result.candidates[0].entry if result.candidates else ""
    if own in result.answers[:1] and (len(result.candidates) < 2
                                      or result.candidates[1].score < understanding.thresholds.hit):
        return None  # 瓶子碎了 after 快递到哪了: no other entry shares its words (没收到啊 fits goods, money, a coupon)
    # the word most of its phrasings use (优惠, the synonyms' head) and its first keyword (优惠券)
    anchors = [topic_word(understanding, topic.id), *map(understanding.normalize, topic.keywords[:1])]
    for anchor in dict.fromkeys(anchors):
        again = understanding.understand(anchor + result.normalized)
        if again.decision not in (Decision.ANSWER, Decision.CLARIFY):
            continue
        on_subject = [entry for entry in again.answers if _subjects(understanding, [entry]) & subject]
        if on_subject:  # 优惠券没收到啊: late_delivery or coupon_how? the coupon, as she was just told about
            ctx.why.append(f"刚聊的是 {topic.id}：带上“{anchor}”再读一次（{on_subject[0]}）")
            return replace(again, text=result.text, intents=result.intents, decision=Decision.ANSWER,
                           answers=on_subject[:1])
    return None


def _subjects(understanding: Understanding, entries: list[str]) -> set[str]:
    return {tag for entry in entries if entry in understanding.faq_by_id for tag in understanding.faq_by_id[entry].tags}


def _answers_otherwise(understanding: Understanding, result: Result, again: Result) -> bool:
    """The reading in context answers one entry, another than the message alone, on the same subject (a tag)."""
    if again.decision is not Decision.ANSWER or len(again.answers) != 1 or again.answers == result.answers:
        return False
    return bool(_subjects(understanding, again.answers) & _subjects(understanding, result.answers))


def _about_someone(ctx: TurnContext, result: Result) -> Result:
    if result.question or result.decision is Decision.MISS or not result.candidates:
        return result
    people = {ctx.content.understanding.normalize(p) for p in ctx.content.codebook.others}
    evidence = set(result.candidates[0].evidence)
    if not evidence or not evidence <= people:
        return result
    ctx.why.append(f"说的是{'、'.join(sorted(evidence))}，不是在问 {result.answers[0]}：FAQ 不答")
    return replace(result, decision=Decision.MISS, answers=[], reason=f"{result.reason}；只说到了身边的人")
