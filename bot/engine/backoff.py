"""When the customer wants less of the bot: her data deleted, no more offers (别推了), a person instead (转人工),
no more questions, or no for now.

Three optional intents of knowledge/intents.yaml, used by the engine by name (like `complaint`):
- `forget_me` (把我的信息都删了): she opts out exactly as with 别推了, and the conversation goes to a person, with
  the intent's `description` as the reason in the trace — a person must delete her data (`siyu forget CUSTOMER`
  erases it everywhere); the persona's `intent.forget_me` tells her so (else the `opt_out` line);
- `annoyed` (滚, 你是傻逼吗, 你怎么老问问题): a short apology (`intent.annoyed`), and the current flow ends, so
  no question of it is asked again — not a reprompt, not "not sure", not the offer of a person;
- a refusal outside any flow (the `deny` or `later` intent: 算了 不买了, 那我等双十一再买) while a product is in
  view (recommended or asked about in the last turns) is the customer's no to it: a `refusal` is recorded, so
  the policy's cool-down starts, as it does for a no to the recommendation flow's offer.
"""

from __future__ import annotations

from bot.engine import sales
from bot.engine.flow_runner import FlowRunner
from bot.engine.kinds import WHEN
from bot.engine.memory import recent
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import REFUSALS, Decision, Result
from bot.understanding.normalize import clauses

FORGET_ME = "forget_me"
ANNOYED = "annoyed"
HUMAN = "ask_human"


def stops(ctx: TurnContext, flows: FlowRunner, result: Result) -> bool:
    """What comes before anything else, in this order: her data deleted, 别推了, a person, a rude or fed-up message
    (滚 to the fallback's offer of a person is no yes to it)."""
    if forget_me(ctx, flows, result):
        return True
    if result.has_intent("opt_out"):
        sales.opt_out(ctx)
        flows.end("顾客说了别推了")
        ctx.say("opt_out")
        return True
    if result.has_intent(HUMAN) and not asks_when(ctx, result):
        flows.hand_over("顾客要人工")
        return True
    return annoyed(ctx, flows, result)


def asks_when(ctx: TurnContext, result: Result) -> bool:
    """人工客服几点在 / 人工什么时候上班: asking when a person is there is no asking for one now — the knowledge base
    answers it (working_hours), rather than a handover that may find nobody (engread). 转人工, 能不能转人工 and
    怎么找真人 still hand over."""
    if WHEN not in result.kinds or result.decision is not Decision.ANSWER:
        return False
    understand = ctx.content.understanding.understand  # 几点上班 我现在就要找人工: that clause asks for one now
    asking = [r for r in map(understand, clauses(result.text)) if r.has_intent(HUMAN)]
    return bool(asking) and all(WHEN in r.kinds for r in asking)  # no clause alone asks for one: hand over


def forget_me(ctx: TurnContext, flows: FlowRunner, result: Result) -> bool:
    """She asked for her data to be deleted: opt out, tell her, hand over with the reason."""
    if not result.has_intent(FORGET_ME):
        return False
    sales.opt_out(ctx)
    flows.end("顾客要删掉她的信息")
    ctx.say(f"intent.{FORGET_ME}" if ctx.persona.has(f"intent.{FORGET_ME}") else "opt_out")
    intent = ctx.content.understanding.knowledge.intents.get(FORGET_ME)
    flows.hand_over(f"{FORGET_ME}: {intent.description if intent is not None else ''}".rstrip(": "), say=False)
    return True


def annoyed(ctx: TurnContext, flows: FlowRunner, result: Result) -> bool:
    """Rude or fed up: apologise and stop asking (the current flow ends)."""
    if not result.has_intent(ANNOYED) or not ctx.persona.has(f"intent.{ANNOYED}"):
        return False
    flows.end("顾客烦了：不再问问题")
    if not any(message.label == f"intent.{ANNOYED}" for message in ctx.reply.messages):
        ctx.say(f"intent.{ANNOYED}")  # 你好笨啊 什么都不懂: one apology for the two clauses
    return True


def refused_in_view(ctx: TurnContext, result: Result, in_flow: bool) -> None:
    """Outside any flow: a no while a product is in view is a refusal of it (the cool-down starts)."""
    if in_flow or result.question or not REFUSALS.intersection(name for name, _ in result.intents):
        return
    product = recent(ctx.session, "recommended") or recent(ctx.session, "product")
    if product:
        sales.flow_evidence(ctx, ["refusal"], f"不在流程里说不要（{product}）")
