"""有什么能用的 / 那我能用什么 / 孕期能用什么精华, asked in a special time she told (我怀孕了: the profile's answer) or
asked about in this conversation (孕妇能用A醇吗: the session's `asked_stage`), or that the question itself names:
which of our products she can use in it — those whose `avoid_when` does not name it, of the kind she named if
any, the ones that fit her profile first — and which to leave out (persona `stage.usable`). Before this, the
question was read again with the stage's FAQ topic in front and got 「这个我在上面刚回过你啦」 (QA round 11).

A question asks it when its normalised text says one of the policy's `usable.asks` (什么) and one of `usable.use`
(用), asks nothing else (no question kind but `can` / `which`), names no product and is no ask for a
recommendation (哺乳期用什么好 starts the policy's flow, which leaves those products out itself). The restraint
holds (bot/policy/usable.py): after 别推了 no product to use is named, a cold customer hears them once, lightly.
Nothing is offered: no link, no offer recorded; one product named is the product in view.
"""

from __future__ import annotations

from bot.engine.followup import product_names
from bot.engine.kinds import CAN, WHICH
from bot.engine.memory import recent, remember
from bot.engine.sales import ASKED_STAGE
from bot.engine.turn_context import TurnContext
from bot.policy.choose import situation
from bot.policy.usable import Say, how_much
from bot.understanding.knowledge import Product
from bot.understanding.matcher import Result

USABLE = "stage.usable"  # persona; `.light` and `.quiet` by the restraint
KINDS = frozenset({CAN, WHICH})  # what else the question may ask: 能用 / 哪款


def asks_what_to_use(ctx: TurnContext, result: Result) -> bool:
    usable = ctx.content.policy.usable
    text = result.heard or result.normalized
    if not result.question or not usable.asks or not usable.use or not result.kinds <= KINDS:
        return False
    if result.has_intent("ask_recommendation") or result.has_intent("gift"):
        return False
    if not any(word in text for word in usable.asks) or not any(word in text for word in usable.use):
        return False
    return product_names(ctx.content.understanding).named(text) is None


def stages(ctx: TurnContext) -> tuple[list[str], bool]:
    """The labels of her special time that some product avoids (孕期), and whether she only asked about it."""
    products = ctx.content.understanding.knowledge.products
    avoidable = {label for product in products for label in product.avoid_when}
    hers = [label for label in sorted(situation(ctx.content.codebook, ctx.profile)) if label in avoidable]
    if hers:
        return hers, False
    asked = [str(label) for label in recent(ctx.session, ASKED_STAGE) or () if str(label) in avoidable]
    return asked, True


def _fit(ctx: TurnContext, product: Product) -> float:
    """How well the product fits her profile (the policy's `fit` weights), to name the fitting ones first."""
    codebook, profile, policy = ctx.content.codebook, ctx.profile, ctx.content.policy
    return sum(weight for question, weight in policy.fit.items()
               if (label := codebook.label(question, profile.answered(question))) and label in product.fits)


def answered(ctx: TurnContext, result: Result) -> bool:
    if not asks_what_to_use(ctx, result) or not ctx.persona.has(USABLE):
        return False
    told, only_asked = stages(ctx)
    if not told:
        return False
    names = product_names(ctx.content.understanding)
    kind = {p.id for p in names.kind_asked(result.heard or result.normalized)}
    disliked = {str(d[0]) for d in ctx.profile.disliked}
    catalogue = ctx.content.understanding.knowledge.products
    avoided = [p for p in catalogue if any(label in told for label in p.avoid_when)]  # of every kind: a warning
    usable = sorted((p for p in catalogue if p not in avoided and (not kind or p.id in kind) and p.id not in disliked),
                    key=lambda p: -_fit(ctx, p))
    if not usable:
        return False
    say, why = how_much(ctx.content.policy, ctx.profile, ctx.now, ctx.session.restrained)
    key = USABLE if say is Say.FULL else f"{USABLE}.{say}"
    if not ctx.persona.has(key):
        key = f"{USABLE}.{Say.QUIET}" if ctx.persona.has(f"{USABLE}.{Say.QUIET}") else ""
    if not key:
        return False
    stage = "、".join(told)
    ctx.why.append(f"{stage}{'（她问到过，没说是自己）' if only_asked else ''}问能用什么：{why}；能用的："
                   f"{'、'.join(p.id for p in usable)}；避开：{'、'.join(p.id for p in avoided) or '无'}")
    ctx.say(key, because=stage, usable="、".join(p.name for p in usable),
            avoided="、".join(p.name for p in avoided))
    if say is Say.LIGHT:
        ctx.profile.light_at = ctx.now  # her one light mention (bot/policy/decide.py)
    if say is not Say.QUIET and len(usable) == 1:
        remember(ctx.session, "product", usable[0].id)  # 怎么用 next is about it
    return True
