"""A product she asked about that her situation rules out (avoid_when: 孕期): answered, and reminded once."""

from __future__ import annotations

import re

from bot.engine.kinds import CAN
from bot.engine.memory import recent, remember
from bot.engine.turn_context import TurnContext
from bot.policy.choose import to_avoid

AVOIDED = "product.avoided"  # persona: a product asked about is not for her now (avoid_when: 孕期)
ASKS_CAN = frozenset({CAN})  # what 还能用吗 / 可以用吗 asks


def not_for_her(ctx: TurnContext, product_id: str, name: str, said: int) -> None:
    """我怀孕了 → A醇夜间修护精华怎么样: what she asked is answered, and the persona's `product.avoided` tells her
    it is not for her now — unless the answer says so itself in its first sentence (孕妇能用吗: 孕期和哺乳期都不要用),
    or it was just said. An answer that says it only at its end (水杨酸: 算温和的～从每周2-3次开始…；孕期先别用) gets
    the reminder first all the same: a pregnant customer reads 「算温和的」 first (QA round 16, finding 11).
    The "not now" comes first, before the answer (its usage text, its link): 哺乳期 + 水杨酸那个不行吗 got the how-to
    and only then 「先别用」 (QA round 12, finding 2)."""
    products = ctx.content.understanding.knowledge.products
    because = to_avoid(ctx.content.codebook, products, ctx.profile).get(product_id)
    text = "".join(m.text for m in ctx.reply.messages[said:])
    first = re.split(r"[～~。；;!！]", text, maxsplit=1)[0]  # the answer's first sentence
    if because and ctx.persona.has(AVOIDED) and not any(label in first for label in because.split("/")) \
            and recent(ctx.session, AVOIDED) != product_id:
        ctx.say(AVOIDED, product=name, because=because)
        ctx.reply.messages.insert(said, ctx.reply.messages.pop())
        remember(ctx.session, AVOIDED, product_id)
        ctx.why.append(f"{product_id} 她在{because}不用：提醒一句 {AVOIDED}")


def no_how_to(ctx: TurnContext, said: int, kinds: frozenset[str]) -> None:
    """我备孕中 能用A醇吗: the pregnancy answer says 先不要用; the retinol answer read beside it (how to start it,
    隔天晚上用、从少量开始) is not said to a customer who must avoid it now (QA round 16). Only beside a line that
    speaks of such times (an answer naming 孕期, 哺乳期, 备孕 — the products' avoid_when — or the product.avoided
    reminder), and not when she asks how (我在备孕 A醇怎么用: the reminder first, then the how-to)."""
    answers = [m for m in ctx.reply.messages[said:] if m.label.startswith("faq")]
    if not answers or "how" in kinds:  # 我在备孕 A醇怎么用: the reminder, then the how-to
        return
    products = ctx.content.understanding.knowledge.products
    avoid = to_avoid(ctx.content.codebook, products, ctx.profile)  # every answered turn comes here: asked last
    if not avoid:
        return
    stages = {stage for p in products for stage in p.avoid_when}  # 孕期, 哺乳期, 备孕: an answer about such times
    avoided = [p for p in products if p.id in avoid]
    words = {name for p in avoided for name in (p.name, *(n for i in p.ingredients for n in i.split("/")))}
    reminded = [m for m in ctx.reply.messages[said:] if m.label == AVOIDED]  # 提醒一下～…先别用哦 (not_for_her.py)
    warned = [m for m in answers if any(stage in m.text for stage in stages)] + reminded
    how_to = [m for m in answers if (m not in warned or (reminded and CAN in kinds))
              and any(word in m.text for word in words)]  # 能用吗 + the reminder: 「先别用」 is the whole answer
    if not warned or not how_to:
        return
    ctx.reply.messages[:] = [m for m in ctx.reply.messages if all(m is not h for h in how_to)]
    ctx.why.append(f"她这段时间要避开（{'、'.join(sorted(avoid))}）：另一条回答说了这段时期的事，"
                   f"不再说 {'、'.join(m.label for m in how_to)} 的用法")
