"""Where a turn meets the restraint policy: the engine asks it and records its answer, nothing more.

- every message (a burst: its messages together) is read for need evidence (and survey answers it
  reveals) before the flows run;
- a flow state marked `recommend: true` asks the policy; its slots say what it decided:
  decision (recommend / ask_first / light / hold), question, product, pitch, asked;
- after a message that showed need, outside any flow, the policy is asked whether to start the
  policy's flow (`start_on: event: need`);
- flows report evidence with `evidence: refusal` and the like.
No product is ever chosen anywhere else, so the policy holds for every flow.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.engine import buying, gift, minors, taken_back
from bot.engine.disliked import disliked
from bot.engine.followup import product_names
from bot.engine.memory import recent, remember
from bot.engine.not_for_her import not_for_her
from bot.engine.quote import CLAUSE_END
from bot.engine.turn_context import TurnContext
from bot.policy.decide import ANSWERED, Action, Decision, decide
from bot.policy.evidence import apply_reading, note
from bot.policy.journal import ACTIONS
from bot.profile.codebook import Codebook, Move
from bot.understanding.matcher import Result

PROACTIVE_START = "need"  # the start_on event of the flow the policy starts
URGENT = "urgent"  # the evidence role of an urgent need (bot/policy/spec.py ROLES)
SOMEONE_ELSE = "someone_else"  # context: survey answers this turn's message gave about another person
KIND = "kind_asked"  # context: the products of the kind an open ask named (有没有推荐的防晒), until it is answered
ASKED_STAGE = "asked_stage"  # context: situations she asked about, not said were hers (孕妇能用A醇吗): 孕期
NEED_ASKED = "need_asked"  # context: the concern an open ask named (有啥控油的推荐吗: 出油), until it is answered
NOT_CARRIED = "not_carried"  # context: the kind an open ask named that the shop does not sell (推荐个面霜)
_STEP_BEFORE = ("完", "了")  # 敷完面膜 …: a step she took, not the kind she asks for
_STEP_AFTER = ("后", "之后", "以后", "前", "之前", "完", "时", "的时候")  # 面霜之后涂什么


def read_messages(ctx: TurnContext, results: list[Result], at: float) -> frozenset[str]:
    """Read need evidence from what the customer wrote; the kinds of positive evidence it showed (need).

    The messages of a burst are read together, once, like one message: the same pain said twice within
    a burst is one pain, not a repeat. An opt-out (别推了) is not read for need."""
    profile, content = ctx.profile, ctx.content
    buying.note(ctx, [result for result in results if result.normalized])  # the slot named_product, for the flows
    if ctx.inbound.event_id in profile.applied:
        ctx.why.append("这条消息的证据已经记过（重投递）")
        return frozenset()
    read = [result for result in results if result.normalized and not result.has_intent("opt_out")]
    if not read:
        return frozenset()
    text = "，".join(part for result in read for part in (result.normalized, result.heard) if part)  # 敏敢肌: 敏感肌
    intents = [name for result in read for name, _ in result.intents]
    gift.notice(ctx, read, content.need.mentions.others.named)
    reading = content.need.read(text, intents, profile, at)
    if all(r.question or content.understanding.elided(r) for r in read):  # 孕妇能用吗, 那孕妇呢 ask for anyone
        hers = _without_their_people(text, content.codebook)  # 我朋友在哺乳期 能用吗: that 我 is not herself
        kept = [(question, code, phrase) for question, code, phrase in reading.answers
                if not (words := content.codebook.questions[question].herself) or any(word in hers for word in words)]
        if not any(word and word in text for word in (*content.codebook.others, *content.codebook.acquaintances)):
            _asked_about(ctx, [(q, code) for q, code, _ in reading.answers if (q, code, _) not in kept])
        reading.answers = kept
        reading.moves = [(question, move, phrase) for question, move, phrase in reading.moves
                         if not (words := content.codebook.questions[question].herself)
                         or any(word in hers for word in words)]
    _not_hers(ctx, reading.moves)
    if gift.answers(ctx) is not None:  # 买给妈妈: 她皮肤比较干 is her mother's skin, and no pain of hers
        reading.theirs = {**reading.theirs, **{question: code for question, code, _ in reading.answers}}
        reading.answers, reading.moves = [], []
        reading.evidence = [e for e in reading.evidence if e.kind not in ("pain", "repeat")]
        gift.keep(ctx, reading.theirs)
    ruled_out = taken_back.avoided(ctx)
    ctx.why.extend(apply_reading(reading, profile, content.codebook, at))
    taken_back.noticed(ctx, ruled_out)  # 细纹 → the A醇 serum, then 我们在备孕哦: taken back (engine/taken_back.py)
    for move in reading.moved:  # 生完了: 恭喜呀 — and what it changes (a line that is not understood is dropped)
        if move.say and ctx.persona.has(move.say):
            ctx.say(move.say)
    if reading.theirs:  # 送男朋友 油皮: an ask in this turn is for him (never saved as hers)
        remember(ctx.session, SOMEONE_ELSE, reading.theirs)
    if any(item.kind == "ask" for item in reading.evidence):  # 有没有推荐的防晒: that kind (a plain ask: any)
        names = product_names(content.understanding)
        kind = {p.id for result in read for said in (result.normalized, result.heard) if said
                for p in names.kind_asked(said)}
        remember(ctx.session, KIND, [p.id for p in content.understanding.knowledge.products if p.id in kind])
        missing = next(filter(None, (not_carried(ctx, said) for result in read  # 精华和面霜: 面霜 too
                                     for said in (result.normalized, result.heard) if said)), "")
        remember(ctx.session, NOT_CARRIED, missing)
        remember(ctx.session, NEED_ASKED, need_named(ctx, [part for result in read for part in (result.normalized,
                                                                                         result.heard) if part]))
    for result in read:
        disliked(ctx, result)
    if profile.seen(at, content.policy.session_gap, ctx.session.channel):
        ctx.why.append(f"新的一次会话（第 {profile.sessions} 次）")
    return frozenset(item.kind for item in reading.evidence if item.weight > 0)


def need_named(ctx: TurnContext, said: list[str]) -> str:
    """The concern an ask names in words only that concern's answers hold (有啥控油的推荐吗: 控油 → 出油): the product
    is chosen for it, whatever concern her profile holds (QA round 14, finding 16: the acne serum, not the oil-control
    lotion). Words another question also holds (出油: 油皮 too) or of one character name nothing. The code, or ""."""
    concern = ctx.content.policy.concern
    questions = ctx.content.codebook.questions
    if concern not in questions:
        return ""
    normalize = ctx.content.understanding.normalize
    elsewhere = {normalize(phrase) for qid, question in questions.items() for code, option in question.options.items()
                 for phrase in (*option.answers, *option.mentions) if qid != concern}
    for code, option in questions[concern].options.items():
        own = {normalize(phrase) for phrase in option.answers} - elsewhere
        if any(len(word) > 1 and word in text for word in own for text in said):
            return code
    return ""


def not_carried(ctx: TurnContext, normalized: str) -> str:
    """The kind the shop does not sell (products.yaml `not_carried`: 面霜, 面膜) that the normalised text names, the
    longest; "" when it names none. A kind that reads as one of ours (防晒霜: 轻透日常防晒) is not one we lack; beside
    one of ours it is still named (精华和面霜: 面霜)."""
    understanding = ctx.content.understanding
    names = product_names(understanding)
    kinds = sorted(understanding.knowledge.not_carried, key=len, reverse=True)
    return next((kind for kind in kinds if (said := understanding.normalize(kind)) and not names.kind_asked(said)
                 and _named(said, normalized)), "")



def _named(kind: str, text: str) -> bool:
    """The kind is what she names, not the step around what she asks for (敷完面膜用什么好, 面霜之后涂什么)."""
    return any(not text[:found.start()].endswith(_STEP_BEFORE) and not text[found.end():].startswith(_STEP_AFTER)
               for found in re.finditer(re.escape(kind), text))


def opt_out(ctx: TurnContext) -> None:
    ctx.profile.opt_out(ctx.now)
    ctx.why.append("opt_out: 永久记住，不再主动推荐和跟进（顾客主动要时仍回答一次）")


def flow_evidence(ctx: TurnContext, kinds: list[str], detail: str = "") -> None:
    where = detail or f"{ctx.session.flow}.{ctx.session.state}"
    for kind in kinds:
        ctx.why.append(note(ctx.profile, ctx.content.policy, kind, ctx.now, where))


def _asked_about(ctx: TurnContext, asked: list[tuple[str, str]]) -> None:
    """孕妇能用A醇吗: not recorded as hers, but no product to avoid in that situation is recommended to her in this
    conversation (she may well be asking for herself); the recommendation says why (`cautious`)."""
    labels = [label for question, code in asked if (label := ctx.content.codebook.label(question, code))]
    if labels:
        before = list(recent(ctx.session, ASKED_STAGE) or [])
        remember(ctx.session, ASKED_STAGE, list(dict.fromkeys([*before, *labels])))
        ctx.why.append(f"问到了{'、'.join(labels)}（没说是她自己）：不记进档案，这次聊天不推这段时期要避开的")


def _not_hers(ctx: TurnContext, moves: list[tuple[str, Move, str]]) -> None:
    """我不是孕妇 after 孕妇能用A醇吗: a situation she only asked about, cleared by her, is no reason to hold back."""
    asked = list(recent(ctx.session, ASKED_STAGE) or [])
    cleared = {label for _, move, _ in moves if not move.to for label in move.when if label in asked}
    if cleared:
        remember(ctx.session, ASKED_STAGE, [label for label in asked if label not in cleared])
        ctx.why.append(f"她说不是{'、'.join(sorted(cleared))}：问过的这段时期不再挡推荐")
        said = next((move.say for _, move, _ in moves if not move.to and move.say and ctx.persona.has(move.say)), "")
        if said:
            ctx.say(said)  # 记下啦: what it changes is said, as for a situation she had told


def ask(ctx: TurnContext, trigger: str) -> Decision:
    content = ctx.content
    decision = decide(content.policy, content.codebook, content.understanding.knowledge.products, ctx.profile,
                      ctx.now, trigger=trigger, restrained=ctx.session.restrained,
                      someone_else=gift.answers(ctx) if gift.answers(ctx) is not None
                      else recent(ctx.session, SOMEONE_ELSE, within=0),
                      kind=recent(ctx.session, KIND) or (), not_carried=str(recent(ctx.session, NOT_CARRIED) or ""),
                      cautious=recent(ctx.session, ASKED_STAGE) or (), minor=minors.minor(ctx),
                      need_asked=str(recent(ctx.session, NEED_ASKED) or ""))
    ctx.record(decision)
    return decision


def should_start(ctx: TurnContext, *, asking: bool = False) -> bool:
    """After a message that showed need, outside any flow: may the policy's flow start? `asking`: the reply
    already asks her something (回 1 或 2): a question of the policy's waits — one question a turn."""
    decision = decide(ctx.content.policy, ctx.content.codebook, ctx.content.understanding.knowledge.products,
                      ctx.profile, ctx.now, trigger="需求检查", restrained=ctx.session.restrained,
                      minor=minors.minor(ctx))
    if decision.action is Action.HOLD:
        ctx.record(decision)  # the flow would record its own decision; a hold is recorded here
        return False
    if asking and decision.action is Action.ASK_FIRST:
        ctx.why.append("这一轮已经请顾客回 1 或 2 选一个：克制策略的问题先等一等")
        return False
    ctx.why.append(f"需求检查: {ACTIONS.get(decision.action, decision.action)}（{decision.action}），"
                   f"开始 {ctx.content.policy.flow} 流程")
    return True


def recommend(ctx: TurnContext) -> None:
    """A `recommend: true` state: the policy decides; the decision goes into slots and the profile."""
    profile, slots = ctx.profile, ctx.session.slots
    decision = ask(ctx, f"{ctx.session.flow}.{ctx.session.state}")
    slots.update(decision=str(decision.action), question=decision.question, asked=decision.asked,
                 product="", pitch="", over_budget=decision.over_budget, avoided=decision.avoided,
                 because=decision.because, not_carried=decision.not_carried, cautious=decision.cautious,
                 other_kind=decision.other_kind, minor=decision.minor, safe=decision.safe)
    if decision.action is Action.RECOMMEND and decision.product is not None:
        slots["product"], slots["pitch"], slots["product_id"] = \
            decision.product.name, decision.product.pitch, decision.product.id
        remember(ctx.session, "product", decision.product.id)  # 怎么用 / 多少钱 next are about it (followup.py)
        remember(ctx.session, "recommended", decision.product.id)  # an FAQ answer naming another does not replace it
        _said_once(ctx, decision.product.name)
        gift.offered(ctx.session, ctx.content.policy.flow)
        profile.record_offer(decision.product.id, ctx.now, "asked" if decision.asked else "proactive")
    elif decision.action is Action.LIGHT:
        profile.light_at = ctx.now
    elif decision.action is Action.ASK_FIRST and decision.not_carried:
        ctx.session.context.pop(NOT_CARRIED, None)  # 精华和面霜: 面霜 is said once, with the question
    if decision.asked and decision.action in (Action.RECOMMEND, Action.HOLD):
        profile.ask_answered_at = ctx.now  # the ask has had its answer: once
        profile.relabel_evidence("ask", ANSWERED)
        ctx.session.context.pop(KIND, None)
        ctx.session.context.pop(NOT_CARRIED, None)
        ctx.session.context.pop(NEED_ASKED, None)


def product_card(ctx: TurnContext) -> None:
    """The link card of the product just recommended, when it has one."""
    product_id = ctx.session.slots.get("product_id") if ctx.session.slots.get("product") else None
    if product_id:
        card_of(ctx, str(product_id))


def _without_their_people(text: str, codebook: Codebook) -> str:
    people = [word for word in (*codebook.others, *codebook.acquaintances) if word]
    if not people:
        return text
    return re.sub("我(?:的|家)?(?:" + "|".join(map(re.escape, people)) + ")", "", text)


def card_of(ctx: TurnContext, product_id: str) -> bool:
    """Attach a product's link card; False when it has none (or no such product)."""
    for product in ctx.content.understanding.knowledge.products:
        if product.id == product_id and product.link:
            card = {"msgtype": "link", "title": product.link["title"], "url": product.link["url"],
                    "desc": product.link.get("desc", product.pitch)}
            said = len(ctx.reply.messages)
            ctx.attach(card, f"card:{product.id}")
            not_for_her(ctx, product.id, product.name, said)  # 我怀孕了 → 发个A醇的链接: the link, and not for now
            return True
    return False


def _said_once(ctx: TurnContext, name: str) -> None:
    """The product is recommended in this turn: an FAQ answer before it leaves out its clause naming the same
    product (我们的水杨酸控痘精华适合闭口粉刺, then 按你的情况，我觉得水杨酸控痘精华挺合适: one mention, not two)."""
    messages = ctx.reply.messages
    for number, message in enumerate(messages):
        if not message.label.startswith("faq") or name not in message.text:
            continue
        clauses = [c for c in CLAUSE_END.split(message.text) if c.strip()]
        kept = "".join(c for c in clauses if name not in c).strip().rstrip("，,；;、")
        if kept:
            messages[number] = replace(message, text=kept)
            ctx.why.append(f"{message.label} 里点名 {name} 的分句不说：这一轮接着就推荐它")
