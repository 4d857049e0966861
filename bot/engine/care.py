"""A complaint is met with care, never with a sale.

A complaint is a statement — not a question, not a hello, a thank-you or a yes — that
tells of a skin problem:
it mentions an option of the policy's concern question (爆痘 → 痘痘, the codebook's `mentions`), or it carries
the optional `complaint` intent (还是不行, 没效果; knowledge/intents.yaml), about the concern the profile knows.
It gets, in this order:
- the FAQ answer that fits, when it names no catalogue product (care from the knowledge base);
- else the persona's `care.<concern>` (care.痘痘), else `care` (her empathy line), then the answer to the one
  clause that asks for something (用了两次 感觉没效果 想退: the return policy), when there is one.
Whether a product follows is the restraint policy's decision alone (engine/sales.py), never the side effect of
an FAQ answer that happens to name one: 还是爆痘 right after an offer, or 最近又爆痘了 好烦 after 别推了, must
not bring the product back.
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine import replies
from bot.engine.followup import SHORT
from bot.engine.memory import recent, remember
from bot.engine.reading import ENTERED
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses

COMPLAINT = "complaint"  # the optional intent of knowledge/intents.yaml
CARE = "care"  # the persona key (care.<concern label> first)
NOTED = "care.noted"  # the persona key: what else she told of herself is noted ({facts})
NOTED_FROM = 3  # facts told in one complaint before care.noted says they are noted
NOTED_NOW = "noted"  # session.context: the facts care.noted said (this turn's, read within=0)
MORE = "care.more"  # the persona key (care.more.<concern> first): what she tells right after the care line
CARED = "cared"  # session.context: [the concern, the care line's text] of the care said on the turn before
SAID = "said"  # session.context: the texts of the turn before (engine/coherent.py)
_NOT_A_COMPLAINT = ("greeting", "thanks", "affirm")


def complaint(ctx: TurnContext, result: Result) -> str | None:
    """The concern label a complaint is about ("" when not known); None when the message is no complaint."""
    if result.question or any(result.has_intent(name) for name in _NOT_A_COMPLAINT):
        return None  # after 别推了, 痘痘怎么办 is answered, without the clause naming a product (engine/replies.py)
    said = ctx.content.need.concerns(result.normalized) or ctx.content.need.concerns(result.heard)
    if said:
        return said[0]
    if not result.has_intent(COMPLAINT):
        return None
    question = ctx.content.policy.concern
    return ctx.content.codebook.label(question, ctx.profile.answered(question)) if question else ""


def hers(ctx: TurnContext, result: Result) -> bool:
    """A complaint about her own skin (我最近脸上冒痘, 还是不行), not a friend's (我闺蜜脸上老爆痘): it is no answer to
    an open question of a flow (精简派还是步骤党), it gets care and the question waits."""
    if complaint(ctx, result) is None:
        return False
    need = ctx.content.need
    return bool(need.her_concerns(result.normalized) or need.her_concerns(result.heard)) \
        or result.has_intent(COMPLAINT)


def sells(ctx: TurnContext, result: Result) -> bool:
    """One of the FAQ answers the message would get names a product of the catalogue."""
    names = [p.name for p in ctx.content.understanding.knowledge.products if p.name]
    for entry_id in result.answers:
        entry = ctx.content.understanding.faq_by_id[entry_id]
        texts = [entry.answer] if entry.answer else ctx.persona.messages.get(entry.answer_key or "", [])
        if any(name in text for text in texts for name in names):
            return True
    return False


def by_faq(ctx: TurnContext, result: Result) -> bool:
    """A complaint the knowledge base answers: its answer names no product, and was not the answer of the turn
    before (脸好干 → 脸上干得起皮，冬天更严重: she tells more, the care line answers it, not the same answer)."""
    return not sells(ctx, result) and not told_again(ctx, result)


def told_again(ctx: TurnContext, result: Result) -> bool:
    """Every FAQ answer the message would get was the answer of the turn before."""
    topic = recent(ctx.session, "topic", within=1)
    return bool(result.answers) and all(entry_id == topic for entry_id in result.answers) \
        and complaint(ctx, result) is not None


def more(ctx: TurnContext, result: Result) -> bool:
    """额头和下巴特别多 right after 爆痘 got the care line: a statement nothing else took is her telling more about
    it — the persona's `care.more.<concern>` (else `care.more`), once, not "not understood". Only when the care
    line was the last thing said (not when a question followed it: 要不要我帮你挑一款 is what she answers)."""
    cared, said = recent(ctx.session, CARED, within=1), recent(ctx.session, SAID, within=1)
    if result.question or not cared or not said or said[-1] != cared[1] or _asked_since(ctx):
        return False
    concern = str(cared[0])
    key = f"{MORE}.{concern}" if concern and ctx.persona.has(f"{MORE}.{concern}") else MORE
    if not ctx.persona.has(key):
        return False
    ctx.session.context.pop(CARED, None)  # once: what she says after it is read as anything else
    ctx.why.append(f"刚关心过（{concern or '困扰不明'}），她接着说的这句没接住：当成在补充情况，说 {key}")
    ctx.say(key)
    return True


def detail(ctx: TurnContext, result: Result, concern: str) -> bool:
    """下巴两颗 红红的 right after the care for 长痘: a short statement whose words touch another concern (红的 →
    泛红) without naming it (not 还有点泛红) tells more about the concern just cared for — `more`, not care.泛红."""
    cared = recent(ctx.session, CARED, within=1)
    if not cared or not cared[0] or cared[0] == concern or len(result.normalized) > SHORT \
            or concern in result.normalized:
        return False
    return more(ctx, result)


def _asked_since(ctx: TurnContext) -> bool:
    """A flow entered a state on the care's turn or after it (the policy's 要不要我帮你挑一款 follows the care)."""
    cared, entered = ctx.session.context.get(CARED), ctx.session.context.get(ENTERED)
    return isinstance(cared, dict) and isinstance(entered, dict) and int(entered["turn"]) >= int(cared["turn"])


def comfort(ctx: TurnContext, result: Result, concern: str) -> None:
    """Answer a complaint: the knowledge base's answer when it sells nothing, else the persona's care."""
    if detail(ctx, result, concern):
        return
    told = caused(ctx, result)
    if told is not None:
        ctx.why.append(f"诉苦（{concern or '困扰不明'}）：她还说了原因（{'、'.join(told.reason.split('|'))}），"
                       f"{told.answers[0]} 差一点就答、说的正是这件事：用它回答，不只说关心的话")
        replies.answer_all(ctx, replace(told, reason=result.reason))
        return
    if result.decision is Decision.ANSWER and by_faq(ctx, result):
        ctx.why.append(f"诉苦（{concern or '困扰不明'}）：FAQ 的回答不提商品，用它回答")
        replies.answer_all(ctx, result)
        return
    if result.decision is Decision.ANSWER and told_again(ctx, result):
        ctx.why.append("诉苦：FAQ 的回答上一轮刚说过，她是在补充情况：改说关心的话，不把同一段再说一遍")
    elif result.decision is Decision.ANSWER:
        ctx.why.append("诉苦：FAQ 的回答提到了商品，改说关心的话（推不推商品由克制策略决定）")
    elif result.near_miss:
        ctx.reply.near_miss = result
    key = f"{CARE}.{concern}" if concern and ctx.persona.has(f"{CARE}.{concern}") else CARE
    if any(m.label == CARE or (m.label.startswith(CARE + ".") and m.label not in (NOTED, MORE))
           for m in ctx.reply.messages):
        ctx.why.append(f"诉苦（{concern or '困扰不明'}）：这一轮已经关心过，不再说一遍")  # 还是爆痘 + 用了还是不行
    else:
        ctx.why.append(f"诉苦（{concern or '困扰不明'}）：说 {key}，不推销；流程停在原地")
        ctx.say(key)
        remember(ctx.session, CARED, [concern, ctx.reply.messages[-1].text])
    noted(ctx, result)
    asked = _clause_answered(ctx, result)
    if asked is not None:  # 用了两次 感觉没效果 想退: care, then what she asked for
        ctx.why.append(f"其中一句在问 {'、'.join(asked.answers)}：关心之后再回答它")
        replies.answer_all(ctx, asked)


def noted(ctx: TurnContext, result: Result) -> None:
    """我油皮 爆痘 学生党 预算不多: beside the care for her concern, the other things she told of herself (the
    codebook's `mentions`, read into her profile by engine/sales.py) are said to be noted — `care.noted` with
    {facts} — so the one turn answers all she said, not the acne alone. Only when she told several at once
    (NOTED_FROM): 我怀孕了 脸上狂长痘 gets the care alone."""
    facts = _facts(ctx, result)
    if len(facts) < NOTED_FROM or not ctx.persona.has(NOTED):
        return
    ctx.why.append(f"这一句还说了 {'、'.join(facts)}：关心之后说一声都记下了（{NOTED}）")
    _say_noted(ctx, facts)


def told(ctx: TurnContext, result: Result, *, in_flow: bool = False) -> bool:
    """学生党 预算不多, said as a statement that nothing else took: what she told of herself (the codebook's
    `mentions`, already in her profile) is said to be noted (`care.noted`), not "这句我没太接住". In a flow only
    a statement that tells nothing else (`told_only`): the caller asks the state's question again."""
    if result.question or not ctx.persona.has(NOTED) or (in_flow and not told_only(ctx, result)):
        return False
    facts = _facts(ctx, result)
    if not facts:
        return False
    ctx.why.append(f"她说了自己的情况（{'、'.join(facts)}），没有别的要回答：说一声记下了（{NOTED}）")
    _say_noted(ctx, facts)
    return True


def _say_noted(ctx: TurnContext, facts: list[str]) -> None:
    """`care.noted` once a turn: 我是学生党 预算不多 | 油皮长痘 (two pieces) is one line with every fact, not
    「记下啦：预算有限」 and then 「记下啦：油皮、痘痘、预算有限」 (QA round 16, finding 9)."""
    before = recent(ctx.session, NOTED_NOW, within=0) or []
    ctx.reply.messages[:] = [m for m in ctx.reply.messages if m.label != NOTED]
    every = list(dict.fromkeys([*before, *facts]))
    ctx.say(NOTED, facts="、".join(every))
    remember(ctx.session, NOTED_NOW, every)


def told_only(ctx: TurnContext, result: Result) -> bool:
    """学生党 预算不多 at a question of a flow: a statement that tells nothing but facts of her (the codebook's
    `mentions`) that no flow state asks about (预算有限, 孕期; not 油皮, which the survey asks and the flow takes) and
    is no complaint about her skin. It is no answer to the state's open question (精简派还是步骤党) nor a reply the
    flow did not understand: it is noted and the question follows (QA round 11)."""
    if result.question or hers(ctx, result):
        return False
    mentions = ctx.content.need.mentions
    answers = mentions.answers(result.normalized)
    asked = {state.ask.code for flow in ctx.content.flows.values() for state in flow.spec.states.values()
             if state.ask is not None and state.ask.code}
    if not answers or any(question in asked for question, _, _ in answers):
        return False
    rest = result.normalized
    for phrase, _, _ in mentions.found(result.normalized):
        rest = rest.replace(phrase, "")
    return not rest or ctx.content.understanding.analyze(rest).empty


def _facts(ctx: TurnContext, result: Result) -> list[str]:
    """The labels of what the message tells of her (the codebook's `mentions`), as the codebook lists them:
    油皮、痘痘、预算有限."""
    order = list(ctx.content.codebook.questions)
    answers = sorted(ctx.content.need.mentions.answers(result.normalized), key=lambda answer: order.index(answer[0]))
    return [label for question, code, _ in answers if (label := ctx.content.codebook.label(question, code))]


def _clause_answered(ctx: TurnContext, result: Result) -> Result | None:
    """The one clause of a complaint that asks for something the knowledge base answers without naming a
    product (想退), if any; a clause that is itself the complaint (脸上老是泛红) is not. Outside a complaint a
    lone clause is a fragment (到广州了，这是新号); here the rest of the message is its story."""
    if result.decision is Decision.ANSWER:
        return None
    parts = clauses(result.text)
    if len(parts) < 2:
        return None
    need = ctx.content.need
    found = [r for r in map(ctx.content.understanding.understand, parts)  # 脸上老是泛红, 脸好干 tell; 想退 asks
             if r.decision is Decision.ANSWER and complaint(ctx, r) is None
             and not need.labels(r.normalized, needs_only=True)]
    if len(found) != 1 or sells(ctx, found[0]):
        return None
    return found[0]


def caused(ctx: TurnContext, result: Result) -> Result | None:
    """用水杨酸那个精华之后反而爆逗了, 去海边晒伤了 脸又红又疼还脱皮: a complaint that also says what caused it (a
    product she used, the sun). The care line speaks to the concern alone (痘痘, 缺水): it is no answer when the
    knowledge base narrowly missed an entry matched by her words beyond the concern's own (用 反而, 晒伤) — within
    two `clarify_margin`s of `hit`, ahead of every other such entry by one — whose answer names no product: that
    entry answers (breakout_after_use, after_sun), as an answer would. None when it does not hold."""
    if result.decision is not Decision.MISS or not result.candidates:
        return None
    understanding = ctx.content.understanding
    concern_words = {word for phrase, _, _ in ctx.content.need.mentions.found(result.heard)
                     for word in understanding.analyze(phrase).words}
    beyond = [c for c in result.candidates if set(c.evidence) - concern_words]
    t = understanding.thresholds
    if not beyond or beyond[0] is not result.candidates[0] or beyond[0].score < t.hit - 2 * t.clarify_margin \
            or (len(beyond) > 1 and beyond[0].score - beyond[1].score < t.clarify_margin):
        return None
    words = sorted(set(beyond[0].evidence) - concern_words)
    told = replace(result, decision=Decision.ANSWER, answers=[beyond[0].entry], near_miss=False, suggestion="",
                   reason="|".join(words))
    return None if sells(ctx, told) else told
