"""那就拿A醇和保湿水 一共多少钱 / 那就保湿水吧 两瓶多少钱: a price question about several products, or several of one,
gets each price and the total (QA round 11, finding 9: both were named and the bot asked which one; two bottles got
the price of one).

Prices are the products' `price` (knowledge/products.yaml). Several of one product are counted with the file's
`quantity.units` (两瓶, 2支) and cost what `quantity.pays` says of each piece in turn ([1, 0.5]: 同款第二件半价), its
`deal` said when it changed the total — the rule is content, so it agrees with what the FAQ says (bulk_buy). The
product counted is the one named, else the one in view. Lines: the persona's `price.total` ({items}, {total}) with one
`price.item` ({product}, {price}) per product, and `price.count` / `price.count.deal` ({product}, {price}, {count},
{unit}, {total}, {deal}) for several of one. A product without a price, or a persona without the line, leaves the
question to the rest of the turn (its own price answer, or "which one?"). A coupon (用新人券之后多少) is not counted:
no content says what a coupon takes off which order."""

from __future__ import annotations

import re

from bot.engine.followup import product_names
from bot.engine.memory import ASKED, recent, remember
from bot.engine.turn_context import TurnContext
from bot.policy.price import amount
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result

PRICE = "ask_price"  # the required intent
TOTAL, ITEM = "price.total", "price.item"  # persona keys
COUNT, COUNT_DEAL = "price.count", "price.count.deal"
KIND = "price.kind"  # 防晒多少钱 → 精华呢: the price of each product of a kind ({kind}, {items})
DEAL = "price.deal"  # 买两瓶能打折吗, no product named or in view: the deal in words ({deal})
_NUMBER = r"(\d+|[一二两三四五六七八九十]+)"


def yuan(value: float) -> str:
    return f"{round(value, 2):g}"


def cost(ctx: TurnContext, price: float, count: int) -> float:
    """What `count` of one product cost together, piece by piece (products.yaml `quantity.pays`)."""
    pays = ctx.content.understanding.knowledge.quantity.pays
    return sum(price * pays[number % len(pays)] for number in range(count))


def counted(ctx: TurnContext, text: str) -> tuple[int, str, str]:
    """How many of something she asks about (两瓶 → 2, 两, 瓶); (0, "", "") when she counts nothing."""
    units = [re.escape(unit) for unit in ctx.content.understanding.knowledge.quantity.units if unit]
    found = re.search(_NUMBER + "(" + "|".join(units) + ")", text) if units else None
    if found is None:
        return 0, "", ""
    return int(amount(found.group(1))), found.group(1), found.group(2)


def answered(ctx: TurnContext, result: Result) -> bool:
    if not result.question:
        return False
    if not result.has_intent(PRICE):
        return _deal_asked(ctx, result)
    names = product_names(ctx.content.understanding)
    several = names.several(result.heard, result.words)
    if several:
        return _each(ctx, several)
    number, said, unit = counted(ctx, result.heard)
    if number < 2:
        return False
    products = {p.id: p for p in ctx.content.understanding.knowledge.products}
    product = names.one_named(result.heard, result.words) or products.get(str(recent(ctx.session, "product") or ""))
    return product is not None and _count(ctx, product, number, said, unit)


def of_a_kind(ctx: TurnContext, result: Result) -> bool:
    """防晒多少钱 → 精华呢: the price question asked again of a kind of product (QA round 16, finding 12: it got how
    to use the serums)."""
    understanding = ctx.content.understanding
    subject, asked = understanding.elided(result), str(recent(ctx.session, ASKED, within=1) or "")
    if not subject or not asked or not understanding.understand(asked).has_intent(PRICE):
        return False
    return _kind(ctx, product_names(understanding).kind_asked(understanding.normalize(subject)))


def _kind(ctx: TurnContext, products: list[Product]) -> bool:
    """The price of each product of the kind (`price.kind`: {kind} {items}). Only for the price asked again of a kind
    (精华呢): 精华多少钱 asked first is answered "which one?" (intent.ask_price, product.which), by design."""
    if len(products) < 2 or any(p.price is None for p in products) or not ctx.persona.has(KIND) \
            or not ctx.persona.has(ITEM):
        return False
    names = [p.name for p in products]
    kind = next((names[0][n:] for n in range(len(names[0]) - 1) if all(name.endswith(names[0][n:]) for name in names)),
                "")
    items = "、".join(_rendered(ctx, ITEM, product=p.name, price=yuan(p.price or 0)) for p in products)
    ctx.why.append(f"问一类（{kind}）的价格：每一款的价格（products.yaml 的 price）")
    ctx.say(KIND, kind=kind, items=items)
    remember(ctx.session, ASKED, "多少钱")
    ctx.session.context.pop("product", None)  # several in view, none alone: 买两瓶 is not of the 防晒 before
    return True


def _deal_asked(ctx: TurnContext, result: Result) -> bool:
    """买两瓶能打折吗: a count of one product and a word of `quantity.asks` — the total with the deal for the product
    named or in view (price.count.deal), else the deal itself (`price.deal`), not the coupon paragraph (QA round 16,
    finding 3: it was coupon_how's 「价格是统一的哦」, said right after the coupons, while 同款第二件半价 is real)."""
    quantity = ctx.content.understanding.knowledge.quantity
    text = result.heard or result.normalized
    number, said, unit = counted(ctx, text)
    if number < 2 or not quantity.deal or not any(word in text for word in quantity.asks) \
            or any(word in text for word in quantity.asks_unless) or _known_count(result, said + unit):
        return False
    names = product_names(ctx.content.understanding)
    products = {p.id: p for p in ctx.content.understanding.knowledge.products}
    product = names.one_named(text, result.words) or products.get(str(recent(ctx.session, "product") or ""))
    if product is not None and _count(ctx, product, number, said, unit):
        return True
    if not ctx.persona.has(DEAL):
        return False
    ctx.why.append(f"问买{said}{unit}能不能便宜：说 quantity.deal（{quantity.deal}），不是优惠券那段")
    ctx.say(DEAL, deal=quantity.deal)
    return True


def _known_count(result: Result, count: str) -> bool:
    """我想买十瓶能便宜吗: the FAQ answers the message by the very count she said (bulk_buy's 十瓶: batch buying, a
    person to contact), which says more than the deal on a pair (engread)."""
    return result.decision is Decision.ANSWER and any(count in c.evidence for c in result.candidates
                                                      if c.entry in result.answers)


def _each(ctx: TurnContext, products: list[Product]) -> bool:
    if any(p.price is None for p in products) or not ctx.persona.has(TOTAL) or not ctx.persona.has(ITEM):
        return False
    items = "、".join(_rendered(ctx, ITEM, product=p.name, price=yuan(p.price or 0)) for p in products)
    total = sum(p.price or 0 for p in products)
    ctx.why.append("问几款一起多少钱：" + " + ".join(f"{p.id} {yuan(p.price or 0)}" for p in products)
                   + f" = {yuan(total)}（products.yaml 的 price）")
    ctx.say(TOTAL, items=items, total=yuan(total))
    return True


def _count(ctx: TurnContext, product: Product, number: int, said: str, unit: str) -> bool:
    if product.price is None:
        return False
    total = cost(ctx, product.price, number)
    deal = ctx.content.understanding.knowledge.quantity.deal
    key = COUNT_DEAL if deal and total != product.price * number and ctx.persona.has(COUNT_DEAL) else COUNT
    if not ctx.persona.has(key):
        return False
    ctx.why.append(f"问 {product.id} {number}{unit}多少钱：{yuan(total)}（price {yuan(product.price)}，"
                   f"quantity.pays {ctx.content.understanding.knowledge.quantity.pays}）")
    ctx.say(key, product=product.name, price=yuan(product.price), count=said, unit=unit, total=yuan(total),
            deal=deal)
    remember(ctx.session, "product", product.id)
    return True


def _rendered(ctx: TurnContext, key: str, **extra: str) -> str:
    """A persona line as text, to be said inside another."""
    ctx.say(key, **extra)
    return ctx.reply.messages.pop().text
