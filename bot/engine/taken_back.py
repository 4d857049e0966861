"""我32了 眼角有细纹了 → 「细纹可以用含A醇的夜间修护精华…」, then 我们在备孕哦: what she says now rules out a product
the bot just talked about (knowledge/products.yaml `avoid_when`: 备孕), and the advice is taken back, once — the
persona's `product.taken_back` ({product}, {because}) — not left standing under 「收到，记下啦」 (QA round 11,
finding 12).

`noticed` (engine/sales.py, where what she wrote is read, before the flows answer): the products her situation rules
out now and did not before this message, that were recommended, in view or named by what the bot said within
`CONVERSATION` turns. `said` (engine/coherent.py, when the turn's reply is tidied): the line for each, first in the
turn — unless the reply already tells her (the product's own 孕妇能用吗 answer, `product.avoided`: it names the
product and her situation), or it was said before in this conversation. Without the persona line nothing is said.
"""

from __future__ import annotations

from bot.conversation import Outbound
from bot.engine.followup import product_names
from bot.engine.memory import recent, remember
from bot.engine.not_for_her import AVOIDED
from bot.engine.turn_context import TurnContext
from bot.policy.choose import to_avoid
from bot.understanding.normalize import clauses

KEY = "product.taken_back"  # persona: {product} is not for her now ({because}: 备孕), after all
PENDING = "taken_back"  # context: [[product id, because]] to take back this turn
DONE = "taken_back_done"  # context: the product ids taken back in this conversation
CONVERSATION = 10  # turns: what the bot said this long ago is still "just said"


def avoided(ctx: TurnContext) -> dict[str, str]:
    """product id → the situation of hers that rules it out now (孕期)."""
    return to_avoid(ctx.content.codebook, ctx.content.understanding.knowledge.products, ctx.profile)


def named_in(ctx: TurnContext, texts: list[str]) -> set[str]:
    """The products the bot's own texts name (a clause at a time: 含A醇的夜间修护精华 names the A醇 serum) by their
    names: an ingredient alone (黑头…在鼻翼局部用水杨酸, of the oily-skin answer) names none of ours — it was read
    as the salicylic serum "just talked about", and 我是孕妇 then took back a product nobody offered her (QA round
    14, finding 6)."""
    understanding = ctx.content.understanding
    names = product_names(understanding)
    found = set()
    for text in texts:
        for part in clauses(text):
            named = names.named(understanding.normalize(part), by_word=False)
            if named is not None:
                found.add(named.product.id)
    return found


def _talked_about(ctx: TurnContext) -> set[str]:
    session = ctx.session
    ids = {str(value) for name in ("product", "recommended")
           if (value := recent(session, name, within=CONVERSATION))}
    texts = [str(text) for text in recent(session, "said", within=CONVERSATION) or []]
    entry = ctx.content.understanding.faq_by_id.get(str(recent(session, "topic", within=CONVERSATION) or ""))
    if entry is not None and entry.answer:
        texts.append(entry.answer)
    return ids | named_in(ctx, texts)


def noticed(ctx: TurnContext, before: dict[str, str]) -> None:
    """After her message was read into the profile: the products just talked about that it now rules out."""
    if not ctx.persona.has(KEY):
        return
    now = avoided(ctx)
    done = _done(ctx)
    new = {pid: because for pid, because in now.items() if pid not in before and pid not in done}
    if not new:
        return
    talked = _talked_about(ctx)
    pending = [[pid, because] for pid, because in new.items() if pid in talked]
    if pending:
        remember(ctx.session, PENDING, pending)
        ctx.why.append("她刚说的情况让刚聊过的 " + "、".join(pid for pid, _ in pending) + " 不适合她了：收回")


def said(ctx: TurnContext) -> None:
    """At the end of the turn: the line for each product to take back, first, unless the reply already says it."""
    pending = recent(ctx.session, PENDING, within=0)
    if not pending:
        return
    ctx.session.context.pop(PENDING, None)
    products = {p.id: p for p in ctx.content.understanding.knowledge.products}
    texts = [m.text for m in ctx.reply.messages if m.text]
    told = named_in(ctx, texts) | {m.label.split(":", 1)[1].split("#")[0] for m in ctx.reply.messages
                                   if m.label.startswith("product:")}
    lines: list[Outbound] = []
    done = _done(ctx)
    for pid, because in pending:
        product = products.get(str(pid))
        if product is None:
            continue
        if pid in told and any(label in "".join(texts) for label in str(because).split("/")):
            ctx.why.append(f"{pid}：这一轮的回答已经说了{because}先别用，不再收回一次")
        else:
            said_before = len(ctx.reply.messages)
            ctx.say(KEY, product=product.name, because=because)
            lines += ctx.reply.messages[said_before:]
            del ctx.reply.messages[said_before:]
            ctx.why.append(f"{pid} 她在{because}不用：收回刚才的建议（{KEY}）")
        done.append(str(pid))
    ctx.reply.messages[:0] = lines
    remember(ctx.session, DONE, done)
    if lines:
        remember(ctx.session, AVOIDED, str(pending[-1][0]))  # not_for_her: not reminded again right away


def _done(ctx: TurnContext) -> list[str]:
    """The products taken back before, however long ago in this session (once is enough)."""
    return [str(pid) for pid in (recent(ctx.session, DONE, within=ctx.session.turns + 1) or [])]
