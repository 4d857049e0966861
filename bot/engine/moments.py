"""A moment of her life comes first: 我刚分手了, 后天我就要结婚了, 明天面试, 最近压力好大 (QA round 16, finding 2).

A friend hears 「后天婚礼 脸好干起皮 有什么急救的吗」 and says 恭喜 before the moisturiser; the bot used to answer
with the product link first, and to 「我刚分手了 脸也烂了」 it said 这句我没太接住. An intent marked `moment: true`
(knowledge/intents.yaml) is such a moment: the persona's `intent.<name>` is said first in the turn, and the rest of the
message is read without the clause that told it — the clause is answered by that line, so its words (分手, 结婚) do
not pull the FAQ match away from what she asks (脸上突然冒了好多痘怎么办: the acne answer, not 「你是想问…吗」). A
message that is nothing but the moment is answered by the line alone; a "not understood" line to the rest is dropped
beside it (engine/coherent.py), since the line already answered her. The same moment is not reacted to twice within
`AGAIN_WITHIN` turns (结婚 said in three messages in a row is one wedding). The need evidence of the whole message is
read before (engine/turn.py: 明天面试 makes the need urgent); only what is answered leaves the clause out. A moment
that carries a fact the answers need (我怀孕了: the pregnancy answers) is no moment: its clause must stay. Nor is
someone else's (我闺蜜后天婚礼: the codebook's `others` and `acquaintances` in the clause that tells it)."""

from __future__ import annotations

from bot.engine.memory import recent, remember
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Result
from bot.understanding.normalize import clauses

MOMENT = "moment"  # session context: the moment last reacted to
AGAIN_WITHIN = 20  # turns


def read(ctx: TurnContext, results: list[Result]) -> list[Result]:
    """The results with the moment's clauses taken out (a piece that was only the moment is dropped), after the
    persona's line for the first moment told has been said."""
    intents = ctx.content.understanding.knowledge.intents
    moments = [name for name, intent in intents.items() if intent.moment and ctx.persona.has(f"intent.{name}")]
    if not moments:
        return results
    understand = ctx.content.understanding.understand
    people = [*ctx.content.codebook.others, *ctx.content.codebook.acquaintances]  # 闺蜜, 同事: their moment
    kept: list[Result] = []
    reacted = False
    for result in results:
        name = next((name for name in moments if result.has_intent(name)), None)
        if name is None:
            kept.append(result)
            continue
        if reacted or recent(ctx.session, MOMENT, within=AGAIN_WITHIN) == name:
            kept.append(result)  # reacted to already: the message is read as it is
            continue
        parts = clauses(result.text)
        telling = [understand(part).has_intent(name) for part in parts]
        told = [part for part, tells in zip(parts, telling, strict=True) if tells]
        rest = [part for part, tells in zip(parts, telling, strict=True) if not tells]
        about = told or [result.text]
        if any(person in part for part in about for person in people):  # 我闺蜜后天婚礼 我脸好干起皮: not 恭喜呀 to her
            ctx.why.append(f"说到的 {name} 是别人的事（{'，'.join(about)}）：不当成她自己的，只读别的话")
            if told and rest:
                kept.append(understand("，".join(rest)))
            elif not told or len(results) == 1:
                kept.append(result)  # 我同事分手了, and nothing else: her line for it is kind all the same
            continue
        ctx.why.append(f"她说到生活里的事（{name}）：先说 intent.{name}，再回答别的")
        ctx.say(f"intent.{name}")
        remember(ctx.session, MOMENT, name)
        reacted = True
        if len(parts) == 1 or len(rest) == len(parts):
            kept.append(result)  # one clause (我刚分手了想买点东西): read whole, its "not understood" is dropped
        elif rest:
            ctx.why.append(f"“{result.text}” 去掉说这件事的那句，读剩下的：{'，'.join(rest)}")
            kept.append(understand("，".join(rest)))
        else:
            ctx.why.append(f"“{result.text}” 只是在说这件事：这句话回答过了")
    return kept
