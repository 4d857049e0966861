"""The question just answered, asked again: pointing back (`faq.again`, “就是上面这条说的哦”) only when she asked
the same thing in other words (QA round 6 found it robotic otherwise).

- She is upset (an anger signal of intents.yaml in the message): the persona's `faq.again.angry` apologises and
  offers a person, instead of pointing back; without that line the answer is said again.
- Upset already this turn (人呢 before it, whose line apologised): the answer is said again.
- She added something the entry's own words do not hold (我今天下午3点付的款 多久发货): the answer is said again,
  after `faq.again.more` (optional) to show it was read — what she added may be why the answer did not help.
engine/coherent.py leaves an answer said again on purpose alone, and never points an upset customer back.
"""

from __future__ import annotations

from bot.conversation import Outbound
from bot.engine.memory import recent, remember
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import FaqEntry
from bot.understanding.matcher import Result, Understanding

ANGER = frozenset({"angry", "complaint"})  # intents.yaml's anger and complaint signals
ANGRY, MORE = "faq.again.angry", "faq.again.more"  # persona keys (both optional)
UPSET_LINES = ("intent.angry", "intent.nobody_here", ANGRY)  # persona lines that already apologised this turn
ON_PURPOSE = "answered_again"  # session.context: the entry whose answer this turn says again on purpose


def upset(ctx: TurnContext) -> bool:
    """A line of this turn apologised to an upset customer (人呢, 气死了)."""
    return any(message.label.startswith(UPSET_LINES) for message in ctx.reply.messages)


def said_on_purpose(ctx: TurnContext, label: str) -> bool:
    return label == f"faq:{recent(ctx.session, ON_PURPOSE, within=0)}"


def added(understanding: Understanding, entry: FaqEntry, asked: Result) -> list[str]:
    """The words of her message that neither the entry's questions nor its keywords hold: what she added."""
    known = set(entry.keywords)
    for question in entry.questions:
        known.update(understanding.analyze(understanding.normalize(question)).words)
    return [word for word in asked.words if not any(word in k or k in word for k in known)]


def kindly(ctx: TurnContext, entry: FaqEntry, asked: Result) -> bool:
    """Said what fits instead of pointing back; False: nothing here applies (she asked the same thing)."""
    angry = any(asked.has_intent(name) for name in ANGER)
    if angry and not upset(ctx) and ctx.persona.has(ANGRY):
        ctx.say(ANGRY)
        ctx.why.append(f"FAQ {entry.id} 刚回答过，她又问而且在生气：道歉、给出找真人的路，不说“就是上面这条”")
        return True
    extra = added(ctx.content.understanding, entry, asked)
    if not entry.answer or not (angry or upset(ctx) or extra):
        return False
    if extra and not angry and ctx.persona.has(MORE):
        ctx.say(MORE)
    ctx.reply.messages.append(Outbound(text=entry.answer, label=f"faq:{entry.id}"))
    remember(ctx.session, ON_PURPOSE, entry.id)
    why = f"她补充了 {'、'.join(extra)}" if extra and not angry else "她着急了"
    ctx.why.append(f"FAQ {entry.id} 刚回答过，{why}：不指回上面，把回答再说一遍")
    return True
