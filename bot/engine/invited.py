"""多久 / 为什么 at 想先跟我聊聊你的皮肤情况吗: a short question of its kind that names no topic of its own (需要多久,
为什么要问: engine/condition.py's `elliptical`), has no intent and that the FAQ does not answer, asked at a state's
question, is about that question — how long it takes, why we ask — not a question to say 「没太接住」 to. The
persona's `<flow>.<state>.<kind>` says it (welcome.invite.how_long, survey.intro.why: optional, content), and the
state waits for her answer.
"""

from __future__ import annotations

from bot.engine.condition import elliptical
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result


def answered(ctx: TurnContext, result: Result) -> bool:
    session = ctx.session
    if not session.flow or result.intents or not result.kinds or result.decision is not Decision.MISS \
            or not elliptical(ctx.content.understanding, result):
        return False
    for kind in sorted(result.kinds):
        where = f"{session.flow}.{session.state}"
        key = f"{where}.{kind}"
        if ctx.persona.has(key):
            ctx.why.append(f"只问了“{result.text}”（{kind}），问的是 {where} 的问题本身：说 {key}")
            ctx.say(key)
            return True
    return False
