"""A product she asked about that her situation rules out (avoid_when: 孕期): answered, and reminded once."""

from __future__ import annotations

import re

from bot.engine.memory import recent, remember
from bot.engine.turn_context import TurnContext
from bot.policy.choose import to_avoid
from bot.understanding.result import Result

AVOIDED = "product.avoided"  # persona: a product asked about is not for her now (avoid_when: 孕期)
ONLY_CAN = frozenset({"can"})  # the question kind (knowledge/matching.yaml `kinds`) of 还能用吗 / 可以用吗


def not_for_her(ctx: TurnContext, product_id: str, name: str, said: int) -> bool:
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
        return True
    return False


def only_the_reminder(ctx: TurnContext, entry_id: str, said: int, asked: Result | None) -> None:
    """备孕 → A醇还能用吗: she asked whether she can, and 「先别用」 is the answer; the product's how-to after it
    would tell her how to use what she should not (QA round 15). 怎么用 keeps the how-to (QA round 12)."""
    if asked is None or asked.kinds != ONLY_CAN:
        return
    label = f"faq:{entry_id}"
    kept = [m for m in ctx.reply.messages[said:] if m.label != label]
    if len(kept) < len(ctx.reply.messages) - said:
        ctx.reply.messages[said:] = kept
        ctx.why.append(f"她问的是能不能用，提醒就是回答：FAQ {entry_id} 的用法不说了")
