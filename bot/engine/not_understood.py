"""What she is told when nothing understood her message: outside a flow the fallback (or, for a statement, that
it was heard), inside one the state's reprompts twice, then its fallback rule — never a third question the
restraint policy asked already, never an endless loop."""

from __future__ import annotations

from bot.engine.flow_runner import FlowRunner
from bot.engine.machine import FALLBACK
from bot.engine.turn_context import TurnContext


def not_understood(ctx: TurnContext, flows: FlowRunner, *, question: bool = True) -> None:
    session = ctx.session
    flow = flows.current
    if flow is None or session.state not in flow.spec.states:
        # 我用过舒缓修护精华: a statement nothing took is not "a question that stumps me"
        ctx.say("statement.unclear" if not question and ctx.persona.has("statement.unclear") else "fallback")
        return
    state = flow.spec.states[session.state]
    session.misses += 1
    if state.ask is not None and session.misses == 2 and session.flow == ctx.content.policy.flow \
            and flows.skip_question():  # the restraint policy asks only to pick better: never a third time
        ctx.why.append("问过一次又没答上：不再问第三次，当作不知道，按已经知道的往下走")
        return
    reprompts = [*state.reprompt, "reprompt", "reprompt"][:2]  # always two tries, then fallback
    if session.misses <= len(reprompts):
        ctx.why.append(f"没听懂（第 {session.misses} 次）：说 reprompt 再问")
        ctx.say(reprompts[session.misses - 1])
        return
    ctx.why.append("又没听懂：说 fallback，不无限追问")
    said = len(ctx.reply.messages)
    if state.fallback is not None and flows.fire(FALLBACK, None):
        if flows.current is None and len(ctx.reply.messages) == said:  # `fallback: {end: true}`: not silence
            ctx.why.append("fallback 规则结束了流程却没说话：说 fallback")
            ctx.say("fallback")
        return
    ctx.say("fallback")
    flows.end("没听懂三次，说 fallback")
