"""我儿子上初中 | 满脸痘 | 有推荐吗 / 我女儿15岁 脸上好多痘痘 / 给我闺女买 她16 / 宝宝能用你们的保湿水吗: the one who
would use it is a minor. Our products are designed for adult skin (the FAQ's kids_use), so the restraint policy
recommends nothing in this conversation, an explicit ask included (QA round 14, finding 7: a 15-year-old was offered
the salicylic serum with its link).

The policy's `minors` (knowledge/policy.yaml): a `words` phrase (初中, 高中生, 给宝宝) or an age said below `under`
(15岁, 十五岁; a bare number right after one of `people`: 她16) — not one with an `unless` phrase right before or
after it (从初中, 初中的时候: her own past), nor 宝宝 beside a `not_with` word (怀孕: the baby she carries) — is kept
in the session context `minor` for the rest of the conversation, until she says one of `herself` (我自己, 给自己).
The piece that says it is answered by `answers[0]` (kids_use), or by `see_doctor.answer` when the turn says one of its
`words` (宝宝湿疹: baby_skin, see a paediatrician) — a question (小孩子能用水杨酸吗) by it alone, a statement
answered otherwise beside it — unless one of those answers a piece already or the
turn asks for a recommendation (有适合她的吗): the policy's flow holds (`minor`) and says `recommend.minor`, which says
it. When the minor is she (我15岁, 我今年初二, 我是高中生: the age or word right after one of the policy's `me` words),
she is spoken to, not about: `me_answer` (teen_use) instead of kids_use's 小朋友的话, and the persona's
`recommend.minor.me` instead of 「就不给TA推荐啦」 (session context `minor_me`, TurnContext.say; QA round 16,
finding 1)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.engine.followup import product_names
from bot.engine.kinds import CAN
from bot.engine.memory import recent, remember
from bot.engine.turn_context import MINOR_ME, TurnContext
from bot.policy.price import amount
from bot.understanding.matcher import Decision, Result

MINOR = "minor"  # session context: what said the user is a minor
KEPT = 10_000  # turns: for the rest of the conversation
_ASKS = ("ask_recommendation", "gift")  # an ask is the policy's flow's to answer
_AGE = re.compile(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})(?:周岁|岁)")
_NOT_AN_AGE = "0123456789元块号天点个瓶支件毫米克月日年%"


def minor(ctx: TurnContext) -> str:
    """What said, in this conversation, that the one using it is a minor; "" when nothing did."""
    return str(recent(ctx.session, MINOR, within=KEPT) or "")


def read(ctx: TurnContext, results: list[Result]) -> list[Result]:
    spec = ctx.content.policy.minors
    texts = [result.normalized for result in results if result.normalized]
    text = "，".join(texts)
    if not text or not (spec.words or spec.people or spec.answers):
        return results
    if minor(ctx) and any(word in text for word in _normalized(ctx, spec.herself)):
        ctx.session.context.pop(MINOR, None)
        ctx.session.context.pop(MINOR_ME, None)
        ctx.why.append("她说是给自己用：不再当作给未成年人挑")
        return results
    found = said(ctx, text)
    if not found:
        return _later(ctx, results)
    remember(ctx.session, MINOR, found)
    faq = ctx.content.understanding.faq_by_id
    me = _me(ctx, text, found)
    if me:
        remember(ctx.session, MINOR_ME, True)
    else:
        ctx.session.context.pop(MINOR_ME, None)
    ctx.why.append(f"用的人未成年（{found}{'，是她自己' if me else ''}）：产品按成人肌肤设计，这次聊天不推荐商品")
    answers = [name for name in (*spec.answers, spec.see_doctor.answer) if name in faq]
    doctor = spec.see_doctor.answer in faq and any(word in text for word in _normalized(ctx, spec.see_doctor.words))
    answer = spec.see_doctor.answer if doctor else answers[0] if answers else ""
    if me and not doctor and spec.me_answer in faq:  # 我今年初二 可以用你们家的精华吗: said to her, not 小朋友的话
        answers, answer = [spec.me_answer, *answers], spec.me_answer
        results = [replace(r, answers=[spec.me_answer if a in spec.answers else a for a in r.answers])
                   for r in results]
    if not answers or any(set(answers) & set(r.answers) for r in results if r.decision is Decision.ANSWER) \
            or any(r.has_intent(name) for r in results for name in _ASKS):
        return results  # 宝宝湿疹 has its answer; an ask has the flow's `recommend.minor`, which says it
    read_again = list(results)
    emergencies = {entry.id for entry in ctx.content.understanding.knowledge.faq if entry.alone}
    for number, result in enumerate(results):
        if not said(ctx, result.normalized) or any(result.has_intent(name) for name in _ASKS):
            continue
        if emergencies & set(result.answers):  # 小孩不小心把精华喝了一口: the emergency answers alone, not kids_use
            continue
        if result.decision is Decision.ANSWER and not result.question:
            read_again[number] = replace(result, answers=[*result.answers, answer])
        else:
            read_again[number] = replace(result, decision=Decision.ANSWER, answers=[answer])
        ctx.why.append(f"“{result.text}” 说的是未成年人用：回答 {answer}")
        break
    return read_again


def asked(ctx: TurnContext, result: Result) -> bool:
    """A question about a minor using it that `read` gave its answer (宝宝能用你们的保湿水吗): that answer, before the
    product's own (a product named or in view)."""
    spec = ctx.content.policy.minors
    answers = {*spec.answers, spec.see_doctor.answer}
    return (result.question and result.decision is Decision.ANSWER and bool(answers & set(result.answers))
            and bool(said(ctx, result.normalized) or uses_product(ctx, result)))


def uses_product(ctx: TurnContext, result: Result) -> bool:
    """那防晒能用吗 later in a conversation where a minor uses it: whether a product (named, or a kind of them) can be
    used — asked of the minor, whatever the message itself says."""
    if not minor(ctx) or not result.question or CAN not in result.kinds:
        return False
    names = product_names(ctx.content.understanding)
    return names.one_named(result.heard, result.words) is not None or bool(names.kind_asked(result.heard))


def _later(ctx: TurnContext, results: list[Result]) -> list[Result]:
    """我15岁 was said before: 那防晒能用吗 gets the answer for her (me_answer, else the first of `answers`), never the
    product's description — a pitch to a minor (a clean-clone trial)."""
    spec, faq = ctx.content.policy.minors, ctx.content.understanding.faq_by_id
    answer = spec.me_answer if recent(ctx.session, MINOR_ME, within=KEPT) and spec.me_answer in faq \
        else next((name for name in spec.answers if name in faq), "")
    if not answer:
        return results
    read_again = list(results)
    for number, result in enumerate(results):
        if uses_product(ctx, result) and not any(result.has_intent(name) for name in _ASKS):
            read_again[number] = replace(result, decision=Decision.ANSWER, answers=[answer])
            ctx.why.append(f"用的人未成年（{minor(ctx)}，前面说的）：“{result.text}” 问能不能用，回答 {answer}")
    return read_again


def said(ctx: TurnContext, text: str) -> str:
    """The words or the age that say a minor is the one using it, or ""."""
    spec = ctx.content.policy.minors
    baby = ctx.content.understanding.normalize("宝宝")
    words = _normalized(ctx, spec.words)
    if any(word in text for word in _normalized(ctx, spec.not_with)):
        words = [word for word in words if baby not in word]  # 怀孕了 宝宝会受影响吗: the baby she carries
    unless = _normalized(ctx, spec.unless)
    for word in words:
        for found in re.finditer(re.escape(word), text):
            if not _her_past(unless, text, found.start(), found.end()):
                return word
    people = "|".join(re.escape(person) for person in _normalized(ctx, spec.people))
    ages = [*_AGE.finditer(text), *(re.finditer(f"(?:{people})(?:今年|才|刚|刚满|已经)?(\\d{{1,2}})", text)
                                    if people else ())]
    for found in ages:
        end = found.end()
        if found.re is not _AGE and end < len(text) and text[end] in _NOT_AN_AGE:
            continue
        if 0 < amount(found.group(1)) < spec.under and not _her_past(unless, text, found.start(), end):
            return str(found.group(0))
    return ""


def _me(ctx: TurnContext, text: str, found: str) -> bool:
    """我15岁 / 我今年初二 / 我是高中生: what says a minor uses it follows one of the policy's `me` words — she is
    the minor (我女儿15岁, 我儿子上初中: a person comes between, not she)."""
    me = _normalized(ctx, ctx.content.policy.minors.me)
    return any(text[:at.start()].endswith(word) for at in re.finditer(re.escape(found), text) for word in me)


def _normalized(ctx: TurnContext, words: list[str]) -> list[str]:
    """The content's words as messages read once normalised (宝宝 → 宝: repeated characters are one)."""
    normalize = ctx.content.understanding.normalize
    return [said for word in words if word and (said := normalize(word))]


def _her_past(unless: list[str], text: str, start: int, end: int) -> bool:
    """从初中 / 初中的时候 / 15岁那年: her own past, not a minor now."""
    return any(text[:start].endswith(word) or text[end:].startswith(word) for word in unless)
