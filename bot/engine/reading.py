"""How a reply is read inside a flow state: ambiguous, a free answer, or a question of its own.

- Ambiguous: the two best intents tie and the state's rules send them different ways (嗯 is an example
  of affirm and of cold: yes, or a shrug?). The state's question is asked again, lighter.
- A free answer: the state has a catch-all rule (`any`) — it asked an open question. A statement there
  is the answer, even if it shares words with an FAQ (步骤党，水乳精华防晒一个不落 is not about sunscreen).
- A question: a question kind (多久, 怎么), a question ending (吗) or a question mark. A clear question is
  answered (or honestly not) and never taken as the answer to the state's own question.
"""

from __future__ import annotations

from bot.engine.flows import State
from bot.engine.machine import CompiledFlow
from bot.understanding.matcher import Decision, Result

TIE = 1.0  # intent scores this close are a tie


def state_of(flow: CompiledFlow | None, name: str) -> State | None:
    return flow.spec.states.get(name) if flow is not None else None


def ambiguous(state: State | None, result: Result) -> tuple[str, str] | None:
    """The two intents a reply could equally mean, when the state would act differently on each."""
    if state is None or len(result.intents) < 2:
        return None
    (first, first_score), (second, second_score) = result.intents[:2]
    if first_score - second_score > TIE:
        return None
    found = [next((i for i, rule in enumerate(state.on) if rule.intent and name in rule.intent), None)
             for name in (first, second)]
    if None in found or found[0] == found[1]:
        return None
    return first, second


def takes_free_answers(state: State | None) -> bool:
    return state is not None and any(rule.any for rule in state.on)


def lets_go(state: State | None) -> bool:
    """Every catch-all of the state ends the flow without a word (after an offer, 说了别的): it answers nothing, the
    message is read again outside the flow."""
    return state is not None and all(rule.end and not rule.say for rule in state.on if rule.any)


def acknowledges(result: Result) -> bool:
    """好的 / 嗯嗯 / 好的收到: yes and nothing else."""
    return (result.has_intent("affirm") and not result.words and not result.question
            and result.decision is Decision.MISS)


_DECIDED = {Decision.ANSWER: "能回答", Decision.CLARIFY: "两条分不开，请顾客选", Decision.MISS: "知识库里没有"}


def understood(result: Result) -> str:
    """What the knowledge base made of a message, as /debug shows it to an operator."""
    intents = "、".join(f"{name} {score:.0f}" for name, score in result.intents) or "无"
    return f"理解：{_DECIDED.get(result.decision, str(result.decision))}（{result.reason}）；意图：{intents}"
