"""有没有乳液 / 你们有防晒吗 / 乳液有吗: asked whether the shop sells a kind of product it has one of — that product,
named, with its pitch (persona `product.have`, else `product.about`), and it is the product in view from then on.
A kind the shop does not sell (products.yaml `not_carried`: 有面膜吗, 卖不卖眼霜) is said so honestly: by the FAQ
entry the list names for it (one that says so: not_sold_skincare), else the persona's `product.not_carried` — never
by an FAQ that only shares its word (面膜多久敷一次). A kind with several products (精华) is left to the FAQ
(our_range)."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.engine import replies
from bot.engine.followup import product_names
from bot.engine.memory import recent, remember
from bot.engine.sales import not_carried
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Result
from bot.understanding.normalize import clauses

GREETING = "greeting"  # the required intent (knowledge/intents.yaml): 在吗, 你好
QUALIFIER = 4  # characters: 补水的 beside 面膜有吗 narrows the ask; a longer clause asks something else
ONLY_ONE = "product.only_one"  # persona, and the session's note of the one product of the kind just asked for
NOT_CARRIED = "product.not_carried"  # persona: 面膜我们家暂时还没有哦 ({not_carried})
_HAVE = re.compile(r"^(?:请问|你们|你们家|这里|店里|家里)*(?:有没有|有卖|有|卖不卖|卖)(.{2,8}?)"
                   r"(?:吗|么|卖吗|卖|呀|啊|呢)*$|^(?:你们|你们家)*(.{2,8}?)(?:有没有|有吗|有卖吗|有没得)(?:呀|啊|呢)*$")


def _asked_have(ctx: TurnContext, result: Result) -> re.Match[str] | None:
    """有面膜吗, or 面膜有吗 补水的: the asking clause with at most a short qualifier beside it (补水的, 大瓶的)."""
    found = _HAVE.match(result.heard)
    if found is not None:
        return found
    normalize = ctx.content.understanding.normalize
    pieces = [piece for piece in map(normalize, clauses(result.text)) if piece]
    for piece in pieces:
        found = _HAVE.match(piece)
        if found is not None and all(len(other) <= QUALIFIER for other in pieces if other is not piece):
            return found
    return None


def _from_name(ctx: TurnContext, result: Result) -> tuple[Product | None, str]:
    """The one product the message names (typos read; or a word only its name holds, 防晒), and the message from its
    name on: what is said before the name (上次说的那个) says which one she means, not what she asks of it."""
    names = product_names(ctx.content.understanding)
    named = names.named(result.heard)
    if named is not None and named.said:
        return named.product, result.heard[min(result.heard.find(piece) for piece in named.said):]
    for word in result.words:  # 防晒还在吗: a word only one name holds (engine/held.py)
        holder = names.only_holder(word)
        if holder is not None and word in result.heard:
            return holder, result.heard[result.heard.find(word):]
    return None, ""


def there(ctx: TurnContext, result: Result) -> tuple[Product | None, frozenset[str]]:
    """保湿水还在吗: a question that names one product and asks, after its name, only what would be a greeting said
    alone (在吗 — the `greeting` intent's words, read after the name): is it still there (in stock, still sold)? A
    greeting is asked of a person; asked of a product it asks whether we have it (QA round 11, finding 1). The
    product, and the intents those words carry (greeting; 还在吗 is also 人呢), which are no intents of the message."""
    product, said = _from_name(ctx, result) if result.question else (None, "")
    if product is None:
        return None, frozenset()
    understanding = ctx.content.understanding
    after = said[len(_name_said(ctx, product, said)):]
    found = {n for n, _ in understanding.intents.detect(after, understanding.thresholds.intent)} if after else set()
    if GREETING not in found or not understanding.analyze(after).empty:
        return None, frozenset()
    return product, frozenset(found)


def _name_said(ctx: TurnContext, product: Product, said: str) -> str:
    """The part of `said` (which starts with a piece of the product's name) that is its name."""
    name = ctx.content.understanding.normalize(product.name)
    end = 0
    while end < len(said) and said[:end + 1] in name:
        end += 1
    return said[:end]


def as_named(ctx: TurnContext, result: Result) -> Result:
    """保湿水还在吗 is no greeting (see there()): the `greeting` intent its 在吗 carries is dropped, so neither a flow's
    greeting rule nor the greeting line takes it."""
    product, carried = there(ctx, result) if result.has_intent(GREETING) else (None, frozenset())
    if product is None:
        return result
    return replace(result, intents=[(n, score) for n, score in result.intents if n not in carried],
                   reason=f"{result.reason}；“在吗”问的是点名的那款商品，不是打招呼")


def answered(ctx: TurnContext, result: Result) -> bool:
    found = _asked_have(ctx, result)
    if found is None:
        product, said = _from_name(ctx, result)  # 上次说的那个保湿水还有吗: asked of the product named
        found = _HAVE.match(said) if product is not None else None
    if found is None and (product := there(ctx, result)[0]) is not None:
        return _have(ctx, product, f"问“{result.text}”：点名的 {product.id} 还在不在")
    if found is None or result.has_intent("ask_recommendation") or result.has_intent("gift"):  # 有没有推荐的防晒
        return False
    kind = found.group(1) or found.group(2)
    products = product_names(ctx.content.understanding).kind_asked(kind)
    missing = "" if products else not_carried(ctx, kind)
    entry = ctx.content.understanding.knowledge.not_carried.get(missing) if missing else None
    if entry and entry in ctx.content.understanding.faq_by_id:
        ctx.why.append(f"问有没有“{kind}”：{missing}我们家没有卖（products.yaml 的 not_carried），用 FAQ {entry} 回答")
        replies.answer(ctx, entry, asked_again=True, asked=result)
        return True
    if missing and ctx.persona.has(NOT_CARRIED):
        ctx.why.append(f"问有没有“{kind}”：{missing}我们家没有卖（products.yaml 的 not_carried），老实说")
        ctx.say(NOT_CARRIED, not_carried=missing)
        return True
    if len(products) != 1:
        return False
    return _have(ctx, products[0], f"问有没有“{kind}”：我们家这一类只有 {products[0].id}，说它")


def _have(ctx: TurnContext, product: Product, why: str) -> bool:
    key = "product.have" if ctx.persona.has("product.have") else "product.about"
    if not ctx.persona.has(key):
        return False
    ctx.why.append(why)
    ctx.say(key, product=product.name, pitch=product.pitch)
    remember(ctx.session, "product", product.id)
    remember(ctx.session, ONLY_ONE, product.id)
    return True


def only_one(ctx: TurnContext, result: Result) -> bool:
    """还有吗 right after 有没有乳液 was answered with the one lotion: that kind has no other (persona
    `product.only_one`), not "没太接住"."""
    product_id = recent(ctx.session, ONLY_ONE, within=1)
    if not result.has_intent("another") or not product_id or not ctx.persona.has(ONLY_ONE):
        return False
    names = {p.id: p.name for p in ctx.content.understanding.knowledge.products}
    ctx.why.append(f"还有吗：刚说的 {product_id} 是这一类里唯一的一款")
    ctx.say(ONLY_ONE, product=names.get(str(product_id), ""))
    return True
