"""精华到了 怎么用啊 / 上次那个精华我买了 怎么用来着, days after the offer: the serum she means is the one of that kind
she has — recommended to her (profile.offers), bought (profile.purchases) or named in this conversation (the
session's product in view, however long ago). When exactly one product of the kind her question names (the end of
a name: 精华, 乳液, 防晒) is hers, her question is asked of it and answered from its own `answers`
(knowledge/products.yaml) — not the FAQ's general answer for all four serums, which asks which one. A question
with no kind (它白天能用吗) is asked of the one product she has at all, when she points at it (那个, 上次那个, 它,
到了 这个怎么用) — or, without pointing (早上用还是晚上, 多久能见效啊), when she has it in hand (an order on record,
or the product talked about in this conversation) and the FAQ has no answer of its own.

Two of that kind (two serums recommended): she is asked which one as before. A price asked of a kind without
pointing (你们精华多少钱) asks about the range, not about hers. The profile is read, never written; the product
answered becomes the product in view (白天能用吗 next is about it, engine/followup.py)."""

from __future__ import annotations

from bot.engine.followup import FollowUp, answered_by, product_names
from bot.engine.turn_context import TurnContext
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result
from bot.understanding.normalize import clauses

POINTING = ("那个", "这个", "那款", "这款", "那瓶", "这瓶", "上次", "之前", "它", "你说的", "推荐的", "买的",
            "到了", "收到", "到货")  # 到了 怎么用: the parcel that came is hers
PRICE = "ask_price"
ASK = "ask_recommendation"  # the required intent


def hers(ctx: TurnContext) -> list[Product]:
    """The products that are hers, newest first: the product in view of this conversation, those bought, those
    recommended."""
    products = {p.id: p for p in ctx.content.understanding.knowledge.products}
    item = ctx.session.context.get("product")
    ids: list[str] = [str(item.get("value"))] if isinstance(item, dict) else []
    dated = [(float(at), str(pid)) for pid, at, *_ in (*ctx.profile.purchases, *ctx.profile.offers)]
    ids += [pid for _, pid in sorted(dated, reverse=True)]
    found: list[Product] = []
    for pid in ids:
        if pid in products and products[pid] not in found:
            found.append(products[pid])
    return found


def kind_said(ctx: TurnContext, text: str) -> tuple[str, list[Product]]:
    """The one kind a message names (the longest end of a product name it says: 精华) and its products; ("", [])
    when it names none, or two kinds (精华和乳液哪个先用)."""
    names = product_names(ctx.content.understanding)
    products = names.kind_asked(text)
    normalize = ctx.content.understanding.normalize
    ends = set()
    for product in products:
        name = normalize(product.name)
        ends.add(next((name[n:] for n in range(len(name) - 1) if name[n:] in text), ""))
    if len(ends) != 1:
        return "", []
    return ends.pop(), products


def _in_hand(ctx: TurnContext) -> bool:
    """Whether she has something of ours in hand or in view: an order on record, or a product talked about in
    this conversation (the session's product, however long ago)."""
    return bool(ctx.profile.purchases) or isinstance(ctx.session.context.get("product"), dict)


def follow(ctx: TurnContext, result: Result) -> FollowUp | None:
    if not result.question or not ctx.content.understanding.knowledge.products or result.has_intent(ASK):
        return None  # 有什么好用的精华推荐: an ask, for the policy's flow (turn.py: start_by_intent comes after)
    names = product_names(ctx.content.understanding)
    heard = result.heard
    if names.named(heard) is not None or names.shared(heard):
        return None  # she names the product herself (engine/followup.py, engine/which.py)
    pointed = any(word in heard for word in POINTING)
    end, kind = kind_said(ctx, heard)
    if result.has_intent(PRICE) and not pointed:
        return None  # 你们精华多少钱: the range, not hers
    mine = hers(ctx)
    if kind:
        mine = [p for p in mine if p in kind]
    elif not pointed and (result.decision is Decision.ANSWER or not _in_hand(ctx)):
        return None  # 早上用还是晚上 asks of hers only when she has it in hand and the FAQ has nothing to say
    other = names.one_named(heard, result.words)
    if len(mine) != 1 or (other is not None and other != mine[0]):
        return None  # 哺乳期可以用a醇了吗 with the salicylic serum in view: she names another (QA 17)
    how = f"问的是她的那{'一类' if end else '一款'}（推荐过、买过或聊过的只有这一款）："
    understanding = ctx.content.understanding
    parts = [understanding.normalize(part) for part in clauses(result.text)]
    for asked in (heard, _after_pointing(heard), *reversed(parts)):
        asked = asked.replace(end, "") if end else asked  # 精华到了 怎么用啊: the asking clause, 怎么用啊
        found = answered_by(understanding, mine[0], asked, how) if asked else None
        if found is not None:
            return found
    return None


def _after_pointing(heard: str) -> str:
    """What she asks of the one she points at: 上次你推荐那个多少钱来着 → 多少钱来着 (the words before it only
    point; read whole, the question is too long for the product's own 多少钱). "" when she points at nothing."""
    ends = [found + len(word) for word in POINTING if (found := heard.rfind(word)) >= 0]
    return heard[max(ends):] if ends else ""
