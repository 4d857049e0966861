"""How a reply is read inside a flow state: ambiguous, a free answer, or a question of its own.

- Ambiguous: the two best intents tie and the state's rules send them different ways (yes or no?). The
  state's question is asked again, lighter. Not a yes that is also lukewarm (嗯, 还行: examples of affirm and of
  cold; 随便: of go_ahead, "ask away", and of cold): asked 问你三个小问题可以吗, that is a yes (QA rounds 6 and 16).
- A free answer: the state has a catch-all rule (`any`) — it asked an open question. A statement there
  is the answer, even if it shares words with an FAQ (步骤党，水乳精华防晒一个不落 is not about sunscreen).
- A question: a question kind (多久, 怎么), a question ending (吗) or a question mark. A clear question is
  answered (or honestly not) and never taken as the answer to the state's own question.
"""

from __future__ import annotations

from bot.engine.flows import State
from bot.engine.machine import CompiledFlow
from bot.engine.memory import answered_last_turn
from bot.engine.session import Session
from bot.understanding.matcher import Decision, Result

TIE = 1.0  # intent scores this close are a tie
COLD, YES = "cold", frozenset({"affirm", "go_ahead"})  # 嗯, 随便: an example of cold and of a yes is a lukewarm yes
ENTERED = "entered"  # session.context: the state the flow last entered, with the turn it was entered on
ANSWERED = ("topic", "product")  # session.context: an FAQ answered, a product's own answer given (with their turn)


def state_of(flow: CompiledFlow | None, name: str) -> State | None:
    return flow.spec.states.get(name) if flow is not None else None


def ambiguous(state: State | None, result: Result) -> tuple[str, str] | None:
    """The two intents a reply could equally mean, when the state would act differently on each."""
    if state is None or len(result.intents) < 2:
        return None
    (first, first_score), (second, second_score) = result.intents[:2]
    if first_score - second_score > TIE or (COLD in (first, second) and {first, second} & YES):
        return None  # 嗯, 还行 to 可以吗: a lukewarm yes is still a yes (a state's yes rule comes before its cold one)
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


def bare_yes(result: Result) -> bool:
    """好 / 对 / 嗯嗯 and nothing more (对 also shares a word with an FAQ question it does not answer)."""
    return acknowledges(result) or (bool(result.intents) and result.intents[0][0] == "affirm" and not result.question
                                    and result.decision is not Decision.ANSWER and len(result.normalized) <= 3)


def hears_answer(session: Session, state: State | None, result: Result) -> bool:
    """A bare yes in a flow state that acknowledges an answer just given (好的 after the FAQ answer of the turn
    before), or given since the state last spoke (see answered_since_asked): not a yes to the state."""
    return state is not None and ((acknowledges(result) and answered_last_turn(session))
                                  or (bare_yes(result) and answered_since_asked(session, state)))


def answered_since_asked(session: Session, state: State | None) -> bool:
    """The state is an invitation the bot made on its own (welcome.invite: 回“好”就行, said on a welcome or a
    follow-up, not in an exchange she started), with no question (`ask`) asked again after an answer, and a question
    of hers was answered on an earlier turn since: a bare yes now (防晒多少钱 → 119元 → 防晒会假白吗 → … → 好)
    acknowledges that answer, it does not take up the invitation."""
    if state is None or state.ask is not None:
        return False
    entered = session.context.get(ENTERED)
    if (not isinstance(entered, dict) or not entered.get("unasked")
            or entered.get("value") != f"{session.flow}.{session.state}"):
        return False
    since = int(entered.get("turn", 0))
    return any(isinstance(item := session.context.get(name), dict)
               and since < int(item.get("turn", -1)) < session.turns for name in ANSWERED)


NOT_THAT = frozenset({"不是", "不对", "不是的", "不是啊", "不对啊", "不是吧", "不是这个", "答非所问"})


def disputes_answer(session: Session, result: Result) -> bool:
    """A bare 不是 / 不对 right after an FAQ answer: the answer missed what she asked — not a no to the flow's
    earlier question (the welcome's invitation), not a goodbye. (不用 after 要不要我帮你挑 declines the offer.)"""
    return result.normalized in NOT_THAT and answered_last_turn(session)
