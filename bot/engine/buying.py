"""好 那个舒缓的我要了 / 舒缓修护精华我要了: she has decided to buy a product she names (the optional `will_buy` intent,
knowledge/intents.yaml) — that product's link card goes with the persona's `intent.will_buy.in_view` ({product}),
not 「怎么称呼你」 nor the product's pitch (QA round 11, finding 9). A product is named by its name (as ProductNames
reads one) or by a word only its name holds (舒缓, a醇).

Flows branch on it with the slot `named_product` (the product her message names, this turn; "" when none), which the
engine sets before the flows read the message: the bundled offer state lets a decision naming a product go (it is
answered here, with the card of the product she named) and answers 好的我去买 itself (recommend.buying: the card
was just sent)."""

from __future__ import annotations

from bot.engine.followup import product_names
from bot.engine.memory import remember
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses

WILL_BUY = "will_buy"
SLOT = "named_product"  # the slot flows read (`when: {slot: {named_product: set}}`)


def named_product(ctx: TurnContext, result: Result) -> Product | None:
    """The one product the message names: by its name, or by a word only its name holds (舒缓 of 舒缓修护精华)."""
    return product_names(ctx.content.understanding).one_named(result.heard, result.words)


def note(ctx: TurnContext, results: list[Result]) -> None:
    """Before the flows read what she wrote: the slot `named_product` for them to branch on."""
    named = [product.id for result in results if (product := named_product(ctx, result)) is not None]
    ctx.session.slots[SLOT] = named[-1] if named else ""


def answered(ctx: TurnContext, result: Result) -> bool:
    """A decision to buy a product she names: its link card with the persona's line."""
    if result.question or not result.has_intent(WILL_BUY):
        return False
    product = named_product(ctx, result)
    if product is None or _faq_answers_the_rest(ctx, result, product):
        return False
    return link(ctx, product, WILL_BUY)


def _faq_answers_the_rest(ctx: TurnContext, result: Result, product: Product) -> bool:
    """上次推荐的那个乳液我用了 挺好用的 想回购: what she says besides the product's name is an FAQ question of its own
    (想回购: the returning customer's answer), so the FAQ answers; 水杨酸精华就要这个 without the name (就要这个) is
    none. Each clause is read without the pieces of the product's name it says."""
    understanding = ctx.content.understanding
    name = understanding.normalize(product.name)
    names = product_names(understanding)
    for part in clauses(result.text):
        heard = understanding.normalize(part)
        named = names.named(heard)
        rest = named.rest if named is not None and named.product.id == product.id else heard
        rest = "".join(char for word in understanding.analyze(rest).words if word not in name for char in word) \
            if rest else ""
        if rest and understanding.understand(rest).decision is Decision.ANSWER:
            return True
    return False


def link(ctx: TurnContext, product: Product, intent: str) -> bool:
    """The persona's `intent.<intent>.in_view` (or `intent.<intent>`) and the product's link card; False (nothing
    said) when the persona has neither line or the product no link."""
    from bot.engine.sales import card_of  # sales imports this module (the slot is noted where messages are read)

    key = f"intent.{intent}.in_view" if ctx.persona.has(f"intent.{intent}.in_view") else f"intent.{intent}"
    if not ctx.persona.has(key):
        return False
    said = len(ctx.reply.messages)
    ctx.say(key, product=product.name)
    if not card_of(ctx, product.id):
        del ctx.reply.messages[said:]
        return False
    ctx.why.append(f"{intent}：发商品 {product.id} 的链接")
    remember(ctx.session, "product", product.id)
    return True
