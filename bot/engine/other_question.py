"""有点干 asked 精简派还是步骤党: the answer to another survey question, not to the one asked.

A reply to a state that asks (a survey question; an open question a catch-all takes: the icebreak's 精简派还是
步骤党; her name, when the FAQ does not answer the reply: 有点干 was saved as one, 我是敏感肌 keeps its answer)
which the state's own answers do not take — no option of its `ask`, no keyword or intent of its rules — but which
is, as a whole, one option of another codebook question a flow asks (its label or one of its answers, with a
degree word or a particle at most: 有点干, 偏油, 敏感; OptionMatcher.whole) is that question's answer. Only
questions with `mentions` count: they are facts of her that mean the same whoever asks (肤质, 困扰); an attitude
(goal: 还好吧, 一般吧) means something else at another question. Of those, the first in the codebook's order (the
survey's) that the reply answers: 有点干 is 干皮 before it is 缺水.

The answer is recorded under that question when the profile does not know it yet (as something she said, the
weakest source: a survey answer or a staff member's tag is never changed), said to be noted (`care.noted`), and
the question asked is asked again, lighter (survey.question_again: no miss) — once per time the state is entered:
a second such reply goes to the state's own rules (no loop). Before, 有点干 at 精简派还是步骤党 went to the
catch-all (哈哈收到，记下啦 — as if it said how she cares for her skin) and nothing was recorded; at the skin
question itself it was not understood at all (degrees, knowledge/codebook.yaml).
"""

from __future__ import annotations

from bot.engine import care, gift, survey
from bot.engine.flows import PSEUDO_OPTIONS, State
from bot.engine.reading import ENTERED, lets_go, takes_free_answers
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result

AGAIN = "other_question"  # session.context: the state whose question was asked again after another's answer


def answered(ctx: TurnContext, state: State | None, result: Result) -> bool:
    """The reply answers another question: recorded, noted, and the state's question asked again."""
    if state is None or result.question or not result.normalized or gift.answers(ctx) is not None:
        return False
    if any(rule.reveals for rule in state.on):
        _revealed(ctx, result)  # 有点干 at 问你几个小问题可以吗: her skin, and a yes (the state's `reveals` rule)
        return False
    asks = state.ask is not None or (takes_free_answers(state) and not lets_go(state))
    names = any(rule.name for rule in state.on)  # 怎么称呼你: 有点干 is no name; 我是敏感肌 gets its FAQ answer
    if not asks and not (names and result.decision is not Decision.ANSWER):
        return False
    text = result.heard or result.normalized
    where = f"{ctx.session.flow}.{ctx.session.state}"
    if _own(ctx, state, result, text) or _asked_again(ctx, where):
        return False
    found = _other(ctx, (state.ask.code or "") if state.ask is not None else "", text)  # hers, or still unknown
    if found is None:
        return False
    question, code, label = found
    codebook, profile = ctx.content.codebook, ctx.profile
    if not profile.known(question):
        ctx.why.extend(profile.set_answer(codebook, question, code, "said"))
        ctx.why.append(f"“{result.text}” 回答的是 {question}（{label}），不是 {where} 问的：记在 {question} 下")
    else:
        ctx.why.append(f"“{result.text}” 说的是 {question}（{label}，已经知道），不是 {where} 问的：不记成这一题的回答")
    if ctx.persona.has(care.NOTED):
        ctx.say(care.NOTED, facts=label)
    survey.question_again(ctx)
    ctx.session.context[AGAIN] = {"value": where, "turn": ctx.session.turns}
    return True


def _revealed(ctx: TurnContext, result: Result) -> None:
    """A state with a `reveals` rule (the survey's invitation): a reply that is, as a whole, an option of a question
    with `mentions` (有点干: a degree and an answer) reveals it as a mention would (options.Revealed.whole): it is
    recorded before the rules run, which take it as a yes and skip the question."""
    found = _other(ctx, "", result.heard or result.normalized)
    if found is not None and not ctx.profile.known(found[0]):
        question, code, label = found
        ctx.why.extend(ctx.profile.set_answer(ctx.content.codebook, question, code, "said"))
        ctx.why.append(f"“{result.text}” 整句就是 {question} 的一个选项（{label}）：记下，当作她答了题")


def _asked_again(ctx: TurnContext, where: str) -> bool:
    """The state's question was already asked again this way since it was entered: the next reply is its own
    rules' (no loop of 记下啦 and the same question)."""
    entered, again = ctx.session.context.get(ENTERED), ctx.session.context.get(AGAIN)
    return (isinstance(entered, dict) and isinstance(again, dict) and again.get("value") == where
            and int(again.get("turn", -1)) >= int(entered.get("turn", 0)))


def _own(ctx: TurnContext, state: State, result: Result, text: str) -> bool:
    """The state's own rules take the reply: an option of its ask, a keyword or an intent one of its rules names."""
    flow = ctx.content.flows.get(ctx.session.flow)
    matcher = flow.options.get(ctx.session.state) if flow is not None else None
    if matcher is not None and matcher.choose(text, result.words) is not None:
        return True
    normalize = ctx.content.understanding.normalize
    if any(word and word in text for rule in state.on for word in map(normalize, rule.keyword or ())):
        return True
    named = {name for rule in state.on for name in rule.intent or ()}
    return any(name in named for name, _ in result.intents)


def _other(ctx: TurnContext, asked: str, text: str) -> tuple[str, str, str] | None:
    """(question, code, label) of the first codebook question (in the codebook's order, the survey's), other than
    `asked`, with `mentions` and asked by a flow, that the reply is one option of as a whole — an option it does
    not already have another answer for (有点干 after 油皮 is no skin answer; it may still be 缺水)."""
    codebook = ctx.content.codebook
    matchers = {spec.ask.code: flow.options[name] for flow in ctx.content.flows.values()
                for name, spec in flow.spec.states.items()
                if spec.ask is not None and spec.ask.code and name in flow.options}
    for question, options in codebook.questions.items():
        matcher = matchers.get(question)
        if question == asked or matcher is None or not any(o.mentions for o in options.options.values()):
            continue
        label = matcher.whole(text)
        code = codebook.code_of(question, label) if label and label not in PSEUDO_OPTIONS else None
        if label and code is not None and ctx.profile.codes.get(question, code) == code:
            return question, code, label  # not 记下啦：干皮 when she said 油皮 before: that question is not it
    return None
