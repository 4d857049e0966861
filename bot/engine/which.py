"""A name several products share (修护精华: 舒缓修护精华 and A醇夜间修护精华) asked about: which one?

- One question that every product sharing the name has its own answer to (修护精华多少钱): answered for each,
  short.
- Otherwise (修护精华孕妇能用吗 多少钱 会不会刺激): the persona's `product.which` asks which one ({first} 还是
  {second}), and her questions are kept (session.context `which`); without `product.which` every question is
  answered for each. No question is dropped: before, the one clause the FAQ answered without the product got an
  answer and the price was lost.
- Her pick on the next turn (舒缓的, A醇那个, 第二个, 2, the name, 都说说) answers all her open questions about it, in
  the order asked: the product's own answer where it has one, else the FAQ's, else the persona's
  `faq.unsure_about` for that question.
"""

from __future__ import annotations

from bot.engine.followup import FollowUp, product_names
from bot.engine.memory import recent
from bot.engine.session import Session
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Decision, Result, Understanding
from bot.understanding.normalize import clauses

WHICH = "which"  # session.context: {"products": [ids], "asked": her message}, for the turn after
_FIRST = ("第一", "前面", "前一", "上面")  # 第一个, 前面那个 (1 and 一 only alone: 一般 is no pick)
_SECOND = ("第二", "后面", "后一", "下面")
_BOTH = ("都", "两个", "两款", "全部")


def ambiguous(understanding: Understanding, result: Result) -> FollowUp | None:
    """A question naming products by a name they share: answered for each when short, else which one?"""
    if not result.question:
        return None
    tied = product_names(understanding).shared(result.heard or result.normalized)
    if len(tied) < 2:
        return None
    ids = "、".join(p.id for p in tied)
    asked = _questions(understanding, result.text, tied)
    if len(asked) == 1 and all(steps and isinstance(steps[0], int) for steps, _ in asked[0][1]):  # 修护精华多少钱
        return FollowUp(f"{ids} 共有这个名字，一个问题：每款各答一句", each=_answers(tied, asked)[0])
    each, missed = _answers(tied, asked)  # said only when the persona cannot ask which one
    return FollowUp(f"{ids} 共有这个名字：问是哪一款，问题先记着", which=tuple(tied), asked=result.text,
                    each=each, missed=missed)


def picked(session: Session, understanding: Understanding, result: Result) -> FollowUp | None:
    """Her answer to "which one?": all her open questions answered about the product (or the products) she picked."""
    open_ = recent(session, WHICH, within=1)
    if not isinstance(open_, dict):
        return None
    products = {p.id: p for p in understanding.knowledge.products}
    offered = [products[i] for i in open_.get("products", []) if i in products]
    chosen = _choice(understanding, result, offered)
    if not chosen:
        return None
    asked = _questions(understanding, str(open_.get("asked", "")), chosen)
    each, missed = _answers(chosen, asked)
    return FollowUp(f"她选了 {'、'.join(p.id for p in chosen)}：回答她刚才的 {len(asked)} 个问题", each=each,
                    missed=missed)


def _answers(products: list[Product], asked: list[tuple[str, list[tuple[Steps, tuple[str, ...]]]]]
             ) -> tuple[tuple[tuple[Product, Steps], ...], tuple[str, ...]]:
    """Per product, the answers to her questions in the order asked; and the questions nothing answers."""
    each = tuple((product, tuple(step for _, per in asked for step in per[n][0])) for n, product in enumerate(products))
    missed = tuple(dict.fromkeys(text for _, per in asked for _, texts in per for text in texts))
    return each, missed


def _choice(understanding: Understanding, result: Result, offered: list[Product]) -> list[Product]:
    text = result.normalized
    if len(offered) < 2 or len(text) > 12:
        return []
    if any(word in text for word in _BOTH):
        return offered
    named = product_names(understanding).named(text)
    if named is not None and named.product in offered:
        return [named.product]
    mine = [p for p in offered if _own_piece(understanding, text, p, offered)]
    if len(mine) == 1:
        return mine
    if text in ("1", "一") or text.startswith(_FIRST):
        return offered[:1]
    if text in ("2", "二") or text.startswith(_SECOND):
        return offered[1:2]
    return []


def _own_piece(understanding: Understanding, text: str, product: Product, offered: list[Product]) -> bool:
    """舒缓的, a醇那个, 夜间: two characters of her reply that this name has and the others offered do not."""
    name = understanding.normalize(product.name)
    others = [understanding.normalize(p.name) for p in offered if p is not product]
    return any(text[n:n + 2] in name and not any(text[n:n + 2] in other for other in others)
               for n in range(len(text) - 1))


Steps = tuple[int | str, ...]


def _questions(understanding: Understanding, text: str,
               products: list[Product]) -> list[tuple[str, list[tuple[Steps, tuple[str, ...]]]]]:
    """Each question of her message (its clauses, the shared name left out) with, per product, what answers it:
    the product's own answer (a number), else an FAQ entry (an id), else nothing (the clause, said unsure)."""
    found: list[tuple[str, list[tuple[Steps, tuple[str, ...]]]]] = []
    for part in clauses(text):
        asked = _without_name(understanding.normalize(part), products, understanding)
        analysis = understanding.analyze(asked) if asked else None
        if analysis is None or (analysis.empty and not analysis.kinds):
            continue
        per: list[tuple[Steps, tuple[str, ...]]] = []
        for product in products:
            own = understanding.product_answer(product.id, asked)
            if own is not None:
                per.append(((own[0],), ()))
                continue
            reading = understanding.understand(asked)
            per.append(((reading.answers[0],), ()) if reading.decision is Decision.ANSWER else ((), (part.strip(),)))
        found.append((part, per))
    return found


def _without_name(normalized: str, products: list[Product], understanding: Understanding) -> str:
    """The clause without the part of the name the products share (修护精华孕妇能用吗 → 孕妇能用吗)."""
    names = [understanding.normalize(p.name) for p in products]
    shared = max((names[0][a:b] for a in range(len(names[0])) for b in range(a + 2, len(names[0]) + 1)
                  if all(names[0][a:b] in name for name in names) and names[0][a:b] in normalized),
                 key=len, default="")
    return normalized.replace(shared, "") if shared else normalized
