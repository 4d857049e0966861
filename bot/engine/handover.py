"""Who has the conversation after a handover: a human, until they end it.

The kf gateway sends a HANDBACK inbound when the human ends the session (session_status_change,
change_type 3) and passes the service_state it saw with every kf message, so a lost event is noticed at the
next message (0, 1 or 4: no human has it). SIYU_HANDOVER_TIMEOUT (default 0 = none) is a safety net for
channels that never report the end.
"""

from __future__ import annotations

from bot.engine.turn_context import TurnContext

HUMAN_DONE = frozenset({"0", "1", "4"})  # kf service_state: new, with the bot, ended — no human has it


def handback(ctx: TurnContext) -> None:
    if ctx.session.handover_at:
        ctx.session.handover_at = 0.0
        ctx.why.append("人工结束了会话：机器人接着服务")


def handed_over(ctx: TurnContext, timeout: float) -> bool:
    """Whether a human still has the conversation (and if not any more, the bot takes it back)."""
    session = ctx.session
    if not session.handover_at:
        return False
    if ctx.inbound.data.get("service_state") in HUMAN_DONE:
        ctx.why.append("人工已经结束会话：机器人接着服务")
    elif timeout and ctx.now - session.handover_at >= timeout:
        ctx.why.append(f"转人工已超过 {timeout / 3600:g} 小时（SIYU_HANDOVER_TIMEOUT）：机器人接着服务")
    else:
        return True
    session.handover_at = 0.0
    return False
