"""Survey questions (asks) in a flow: answers by code, label or free text; codebook questions that the
profile already knows are not asked again; a skipped question is recorded as unknown; a question left
pending is asked again first when the customer comes back later."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.engine import gift
from bot.engine.flows import UNKNOWN_OPTION, State
from bot.engine.reading import ENTERED
from bot.engine.sales import flow_evidence
from bot.engine.turn_context import TurnContext
from bot.profile.codebook import UNKNOWN

if TYPE_CHECKING:
    from bot.engine.flow_runner import FlowRunner


def state_spec(ctx: TurnContext, flow: str, state: str) -> State:
    return ctx.content.flows[flow].spec.states[state]


def known_answer(ctx: TurnContext, spec: State) -> str | None:
    """The option label the profile already has for this codebook question (UNKNOWN_OPTION if skipped)."""
    if spec.ask is None or not spec.ask.code:
        return None
    theirs = gift.answers(ctx)  # a gift: what is known of the one it is for, never her own answer
    if theirs is not None and spec.ask.code in theirs:
        return ctx.content.codebook.label(spec.ask.code, theirs[spec.ask.code]) or None
    if theirs is not None or not ctx.profile.known(spec.ask.code):
        return None
    code = ctx.profile.codes[spec.ask.code]
    if code == UNKNOWN:
        return UNKNOWN_OPTION
    return ctx.content.codebook.label(spec.ask.code, code) or None


def chosen(ctx: TurnContext, flow: str, state: str, label: str) -> None:
    """The customer chose `label` (or it was known): save it where the ask says."""
    ask = state_spec(ctx, flow, state).ask
    if ask is None:
        return
    profile, codebook = ctx.profile, ctx.content.codebook
    if ask.code and gift.answers(ctx) is not None:  # 买给妈妈 → 缺水: her mother's answer, kept for the gift
        code = UNKNOWN if label == UNKNOWN_OPTION else codebook.code_of(ask.code, label)
        if code is not None:
            gift.keep(ctx, {ask.code: code})
    elif ask.code:
        question = ask.code
        code = UNKNOWN if label == UNKNOWN_OPTION else codebook.code_of(question, label)
        if code is None:
            return
        if profile.codes.get(question) != code:
            for note in profile.set_answer(codebook, question, code, "survey"):
                ctx.why.append(note)
            ctx.why.append(f"编码本 {question} = {code}" + (f" {label}" if code != UNKNOWN else "（不知道，跳过）"))
            option = codebook.option(question, code)
            if option is not None and option.evidence:
                flow_evidence(ctx, [option.evidence], f"{question}={code}")
    elif ask.tag:
        for tag in profile.add_tags([label]):
            ctx.why.append(f"标签 {tag} 被员工去掉过，机器人不再打")
    if ask.save:
        ctx.session.slots[ask.save] = "" if label == UNKNOWN_OPTION else label


LIGHTLY = "asked_lightly"  # session.context: the state whose question was asked again after an answer


def pending_after_silence(ctx: TurnContext) -> State | None:
    """The state whose question the customer left unanswered long enough ago to ask it again first."""
    session = ctx.session
    flow = ctx.content.flows.get(session.flow)
    if flow is None or session.state not in flow.spec.states:
        return None
    spec = flow.spec.states[session.state]
    waited = ctx.now - session.asked_at
    if spec.ask is None or not session.asked_at or waited < ctx.content.policy.resume_after:
        return None
    return spec


def ask_again(ctx: TurnContext, spec: State) -> None:
    waited = ctx.now - ctx.session.asked_at
    ctx.why.append(f"顾客隔了 {waited / 3600:.0f} 小时回来，调研问题还没答：先把它再问一次")
    if ctx.persona.has("survey.resume"):
        ctx.say("survey.resume")
    for key in spec.say:
        ctx.say(key)
    ctx.session.asked_at, ctx.session.misses = ctx.now, 0


def ask_lightly(ctx: TurnContext) -> None:
    """An FAQ was answered while a question of the flow waits (包邮吗 at the skin question): the question
    again in the same turn, lighter (the state's first `reprompt`, else its own words) — unless the state
    was entered this turn (its question is in the reply) or the reply already asks her something (a
    numbered choice, the offer of a person): one question a turn. Only once per time the state is entered:
    not after every answer (會員有折扣嗎, 怎麼加入會員, 積分怎麼用 … each followed by the same question)."""
    session = ctx.session
    flow = ctx.content.flows.get(session.flow)
    spec = flow.spec.states.get(session.state) if flow is not None else None
    if spec is None or spec.ask is None or f"{session.flow}.{session.state}" in ctx.reply.entered:
        return
    if any("？" in message.text or "?" in message.text for message in ctx.reply.messages):
        ctx.why.append("这一轮已经在问她别的了：没答的调研问题先等等（一轮只问一个）")
        return
    where = f"{session.flow}.{session.state}"
    entered, lightly = session.context.get(ENTERED), session.context.get(LIGHTLY)
    if (isinstance(entered, dict) and isinstance(lightly, dict) and lightly.get("value") == where
            and int(lightly.get("turn", -1)) >= int(entered.get("turn", 0))):
        ctx.why.append(f"{where} 的问题已经轻轻再问过一次：不再每答一个问题就问一遍，她想答随时可以答")
        return
    ctx.why.append(f"回答完，把 {where} 的问题轻一点再问一次")
    for key in spec.reprompt[:1] or spec.say:
        ctx.say(key)
    session.asked_at = ctx.now
    session.context[LIGHTLY] = {"value": where, "turn": session.turns}


def question_again(ctx: TurnContext) -> None:
    """学生党 预算不多 at a question of a flow, noted (engine/care.py `told`): the state's question follows — its first
    `reprompt`, else its own words — and counts as no miss (no 「没太接住」, no step towards its fallback). A state
    that says nothing of its own (the welcome's invite, said before it: its reprompts are "not understood" lines)
    is not asked again: the noted line answers her."""
    session = ctx.session
    flow = ctx.content.flows.get(session.flow)
    spec = flow.spec.states.get(session.state) if flow is not None else None
    if spec is None or not spec.say:
        return
    ctx.why.append(f"记下她说的情况，再问一次 {session.flow}.{session.state} 的问题（不算没听懂）")
    for key in spec.reprompt[:1] or spec.say:
        ctx.say(key)
    session.asked_at = ctx.now


LET_GO = 86400.0  # seconds away after which an open invitation is let go: the day-1 check-in has come in between


def invite_left(ctx: TurnContext, flows: FlowRunner, away: float) -> None:
    """Back a day or more later (`away`: seconds since she last wrote) with an invitation still open
    (想先跟我聊聊你的皮肤情况吗, 问你几个小问题可以吗: a state with no question of the codebook): it is let go, and what
    she says now is read as outside any flow — not 「回“好”我就开始问啦」 to 我又来了 or 上次你推荐那个 我买了 (QA
    round 17). A survey question left open is asked again as before (pending_after_silence)."""
    flow = ctx.content.flows.get(ctx.session.flow)
    state = flow.spec.states.get(ctx.session.state) if flow is not None else None
    if away >= LET_GO and state is not None and state.ask is None and state.reprompt:
        flows.end("她隔了一天多才回来：开场时的邀请不再等她回答")
