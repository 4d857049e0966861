"""What she says of a product she names, when it is not a request to hear about it (QA round 12, findings 2 and 3).

A product named in a message used to be read as "tell me about it": the FAQ entry its word reads as alone (A醇 →
ingredient_retinol, 烟酰胺 → ingredient_niacinamide) or, when nothing answered, its pitch (`product.about`). But

- 收到的保湿水漏液了 / A醇那瓶能退吗 刚拆封用了两次: the product is the subject and the question is what she says of
  it — each clause is read again without the product's words, and an FAQ entry about her order (a tag of the
  policy's `orders`: 售后, 订单, 物流 — damaged_item, return_policy) answers instead (`told_of`); a question about the
  product itself (A醇敏感肌能用吗, A醇会刺痛吗) stays with the product's own entry;
- 我对烟酰胺过敏 / 之前用别家的烟酰胺过敏过 (policy `disliked.allergic`) and 用过 不好用 (`disliked.used` + `bad`): the
  product is recorded as disliked where messages are read (engine/sales.py) and the persona says so; its pitch or
  its "gentle" FAQ answer is not said after that (`turned_away`);
- 那我不买烟酰胺 买舒缓的 (policy `disliked.refuse`, negated right before a product's word): the product she refuses
  is not the one she names; the other one is (`refused`, `named_besides`).
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine.buying import named_product
from bot.engine.followup import product_names
from bot.engine.memory import recent, remember
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses

TURNED_AWAY = "turned_away"  # session.context: the product she said this turn she is allergic to or disliked


def turn_away(ctx: TurnContext, product_id: str) -> None:
    remember(ctx.session, TURNED_AWAY, product_id)


def turned_away(ctx: TurnContext, result: Result) -> bool:
    """The product this message names was turned away this turn (an allergy, a dislike) and the message is read as
    that product alone would be (its pitch, its word's FAQ entry: 烟酰胺 温和不刺激): that is not said to her."""
    product = named_product(ctx, result)
    if product is None or recent(ctx.session, TURNED_AWAY, within=0) != product.id:
        return False
    return result.decision is not Decision.ANSWER or set(result.answers) <= _alone(ctx, result, product)[1]


def _alone(ctx: TurnContext, result: Result, product: Product) -> tuple[list[str], set[str]]:
    """The words of the message only the product holds, and the FAQ entries they read as alone."""
    understanding = ctx.content.understanding
    names = product_names(understanding)
    own = [word for word in result.words if (p := names.only_holder(word.lstrip("¬"))) is not None
           and p.id == product.id]
    return own, {entry for word in own for entry in understanding.understand(word.lstrip("¬")).answers}


def said_of(ctx: TurnContext, result: Result, product: Product) -> bool:
    """An allergy word (policy `disliked.allergic`) in the clause that names the product, by its name or a word only
    it holds: 我对烟酰胺过敏 — not 我皮肤容易过敏 想买烟酰胺精华 (sensitive skin, and a wish to buy it)."""
    understanding = ctx.content.understanding
    names = product_names(understanding)
    for part in clauses(result.text):
        heard = understanding.normalize(part)
        named = names.named(heard)
        holds = (named is not None and named.product.id == product.id) or any(
            (p := names.only_holder(word)) is not None and p.id == product.id
            for word in understanding.analyze(heard).words)
        if holds and ctx.content.need.disliked.allergic_to([heard]):
            return True
    return False


def refused(ctx: TurnContext, result: Result) -> set[str]:
    """The products the message refuses: a word only one product holds, negated (不要烟酰胺: ¬烟酰胺) or right after
    a negated `disliked.refuse` word (不买烟酰胺: ¬买, 烟酰胺)."""
    names = product_names(ctx.content.understanding)
    refuse = ctx.content.need.disliked.refuse
    out: set[str] = set()
    words = list(result.words)
    for number, word in enumerate(words):
        before = words[number - 1] if number else ""
        said = word[1:] if word.startswith("¬") else word
        holder = names.only_holder(said)
        if holder is not None and (word.startswith("¬") or (before.startswith("¬") and before[1:] in refuse)):
            out.add(holder.id)
    return out


def named_besides(ctx: TurnContext, result: Result) -> Product | None:
    """不买烟酰胺 买舒缓的: the one product the message names that it does not refuse; None when it refuses none."""
    gone = refused(ctx, result)
    if not gone:
        return None
    names = product_names(ctx.content.understanding)
    left = {p.id: p for word in result.words if not word.startswith("¬")
            and (p := names.only_holder(word)) is not None and p.id not in gone}
    return next(iter(left.values())) if len(left) == 1 else None


def told_of(ctx: TurnContext, result: Result) -> Result | None:
    """A醇那瓶能退吗: the FAQ entries what she says of the one product she names asks for — each clause read
    without the product's words (its name, the words only it holds) — when the message was read as the product
    alone would be (its word's own entry, or nothing). None when there is no such product or no other answer."""
    understanding = ctx.content.understanding
    product = named_product(ctx, result)
    if product is None or refused(ctx, result):  # 那我不买烟酰胺: 那我不买 alone is no question of its own
        return None
    names = product_names(understanding)
    own, alone = _alone(ctx, result, product)
    faq, orders = understanding.faq_by_id, ctx.content.policy.orders
    if result.decision is Decision.ANSWER and not set(result.answers) <= alone:
        return None  # 水杨酸能和A醇一起用吗 → ingredient_pairing: what she asked, already
    found: list[str] = []
    for part in clauses(result.text):
        heard = understanding.normalize(part)
        named = names.named(heard)
        rest = named.rest if named is not None and named.product.id == product.id else heard
        for word in own:
            rest = rest.replace(word.lstrip("¬"), "")
        reading = understanding.understand(rest) if rest else None
        if reading is not None and reading.decision is Decision.ANSWER:
            found += [entry for entry in reading.answers if entry not in alone and entry not in found
                      and set(faq[entry].tags) & orders]
    if not found:
        return None
    return replace(result, decision=Decision.ANSWER, answers=found, near_miss=False, suggestion="",
                   reason=f"{result.reason}；说的是 {product.id} 的事，不带它的名字再读：按 {'、'.join(found)} 回答")
