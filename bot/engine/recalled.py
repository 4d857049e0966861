"""A message the customer recalled (kf `user_recall_msg`) is not answered when its burst is still waiting.

The burst's texts wait in `session.pending` ([text, at, msgid]) until the burst window ends; a recall naming one
of them takes it out. A burst left empty is not answered at all: its settle timer is cancelled. A message already
answered stays answered: WeCom shows the customer the reply, and saying more about a recall would only draw
attention to it. A recall that finds nothing waiting keeps the message id (the last RECALLS_KEPT): the message
can come after its recall (dead-lettered and replayed, retried), and is then not answered either."""

from __future__ import annotations

from bot.conversation import MSGID, RECALLED
from bot.engine.session import RECALLS_KEPT
from bot.engine.turn_context import TurnContext


def take_back(ctx: TurnContext) -> None:
    msgid = ctx.inbound.data.get(RECALLED, "")
    pending = ctx.session.pending
    kept = [entry for entry in pending if not (msgid and len(entry) > 2 and entry[2] == msgid)]
    if len(kept) == len(pending):
        ctx.why.append("顾客撤回了一条消息：它已经回答过了（或不在等待中），不再说什么")
        if msgid and msgid not in ctx.session.recalled:  # it may come later (replayed): not answered then
            ctx.session.recalled.append(msgid)
            del ctx.session.recalled[:-RECALLS_KEPT]
        return
    pending[:] = kept
    if kept:
        ctx.why.append(f"顾客撤回了连发中的一条：只回答剩下的 {len(kept)} 条")
    else:
        ctx.cancel_timer()
        ctx.why.append("顾客撤回了等待回答的消息：不回答")


def came_after_recall(ctx: TurnContext) -> bool:
    """Whether this message was recalled before it reached the engine (it is then not answered)."""
    msgid = ctx.inbound.data.get(MSGID, "")
    if not msgid or msgid not in ctx.session.recalled:
        return False
    ctx.session.recalled.remove(msgid)
    ctx.why.append("这条消息顾客先前已经撤回了（撤回比消息先到）：不回答")
    return True
