"""A follow-up step's turn: what she says when the bot writes first (bot/followups decides when and whether).

The step names a persona key (followup.tip), optionally a variant by a survey answer or slot (followup.tip.痘痘
for the concern 痘痘), and/or a flow to open — the restrained offer opens the recommendation flow, whose gate
asks the need policy: an offer, a "may I pick one for you?", or nothing at all. When the flow says nothing,
the step says nothing either (its own words only lead into what the flow says).
"""

from __future__ import annotations

from bot.engine.flow_runner import FlowRunner
from bot.engine.turn_context import TurnContext


def followup(ctx: TurnContext, flows: FlowRunner) -> None:
    data = ctx.inbound.data
    where = f"跟进 {data.get('plan', '')}.{data.get('step', '')}"
    first = len(ctx.reply.messages)
    flow = data.get("flow", "")
    if flow:
        flows.end("跟进要打开另一个流程")
        if not flows.start_named(flow):
            ctx.why.append(f"{where}: 没有流程 {flow}，什么都不说")
            return
        if len(ctx.reply.messages) == first:
            ctx.why.append(f"{where}: 流程 {flow} 现在不说话，跟进也不说")
            return
    key = data.get("say", "")
    if key:
        ctx.say(_variant(ctx, key, data.get("by", ""), data.get("by_value", "")))
        if flow:  # the step's words lead into what the flow said
            ctx.reply.messages.insert(first, ctx.reply.messages.pop())
    ctx.why.append(f"{where}: {data.get('why') or key or flow}")


def _variant(ctx: TurnContext, key: str, by: str, value: str) -> str:
    if by and not value:
        codebook = ctx.content.codebook
        if by in codebook.questions:
            value = codebook.label(by, ctx.profile.answered(by)) or ""
        else:
            value = str(ctx.session.slots.get(by) or "")
    return f"{key}.{value}" if value and ctx.persona.has(f"{key}.{value}") else key
