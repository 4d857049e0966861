"""The decision: recommend now, ask one question first, one light mention, or hold back — with reasons.

    decide(policy, codebook, products, profile, now)      # in a conversation: an explicit ask counts
    may_offer(policy, codebook, products, profile, now)   # a proactive offer (schedulers): asks do not count

An explicit ask is always answered once — also after 别推了, which only ends *proactive* offers — with one
question first when the concern is unknown. A proactive offer needs a clear need (the evidence of the last
`need.forget_after`), is never made in the first session (unless `budget.first_session`, or evidence whose
kind says `first_session: true` was shown within `ask_valid`: 明天要拍照 冒了好几颗痘 cannot wait for a next
visit), waits out the
cool-down after a refusal, and stays within `budget.offers` per `budget.window`. A cold customer gets one
light mention, then nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any

from bot.policy.choose import choose, safe_pick
from bot.policy.price import price_limit
from bot.policy.spec import Policy
from bot.profile.codebook import Codebook
from bot.profile.model import Profile
from bot.understanding.knowledge import Product

PERMISSION = "permission"  # ask_first without a survey question: "may I pick one for you?"
ANSWERED = "ask_done"  # an explicit ask that has had its answer (it still counts as need)
_COLD = ("cold", "silence", "refusal")
_WARM = ("ask", ANSWERED, "urgent")
SKIN = "skin"  # the codebook question of the skin type: a gift whose recipient's skin is told gets no safe_gift


class Action(StrEnum):
    RECOMMEND = "recommend"
    ASK_FIRST = "ask_first"
    LIGHT = "light"
    HOLD = "hold"


@dataclass(frozen=True)
class Decision:
    action: Action
    reasons: tuple[str, ...]
    evidence: tuple[tuple[str, float, str], ...]  # what counted: (kind, weight, detail)
    need: float
    at: float
    asked: bool = False  # an explicit ask is being answered
    product: Product | None = None
    fit: str = ""  # why this product
    question: str = ""  # ask_first: the codebook question, or "permission"
    over_budget: bool = False  # hold: a product fitted, but costs more than she wants to pay
    avoided: str = ""  # hold: the products that fitted, left out for her situation (avoid_when), by name
    because: str = ""  # … that situation (孕期)
    cautious: bool = False  # … one she asked about (孕妇能用A醇吗), not one she said is hers
    not_carried: str = ""  # hold: the kind she asked for (推荐个面霜) is one the shop does not sell
    safe: bool = False  # recommend: a gift whose recipient's skin is unknown, a product anyone can use (safe_gift)
    minor: str = ""  # hold: the one using it is a minor (我儿子上初中): what said so
    other_kind: str = ""  # hold: nothing of the kind she named fits; this product of another kind would (by name)
    trigger: str = field(default="", compare=False)  # who asked the policy (flow state, scheduler…)

    @property
    def allowed(self) -> bool:
        """Something may be said: an offer, a question, or the light mention."""
        return self.action is not Action.HOLD

    def record(self) -> dict[str, Any]:
        return {"at": round(self.at, 1), "trigger": self.trigger, "action": str(self.action),
                "product": self.product.id if self.product else "", "question": self.question,
                "asked": self.asked, "need": self.need, "reasons": list(self.reasons),
                "evidence": [list(e) for e in self.evidence]}


def may_offer(policy: Policy, codebook: Codebook, products: Sequence[Product], profile: Profile,
              now: float, trigger: str = "proactive", restrained: str = "") -> Decision:
    """May the bot make a proactive offer to this customer now, and why? (asks are not counted)"""
    return decide(policy, codebook, products, profile, now, proactive=True, trigger=trigger, restrained=restrained)


def live_evidence(profile: Profile, now: float, forget_after: float) -> list[list[Any]]:
    """The evidence that still counts (the last `need.forget_after`)."""
    return [e for e in profile.evidence if now - float(e[2]) <= forget_after]


def need_score(profile: Profile, now: float, forget_after: float) -> float:
    """The customer's need now: the sum of the weights of the evidence that still counts."""
    return _need(live_evidence(profile, now, forget_after))


def _need(live: list[list[Any]]) -> float:
    return round(sum(float(e[1]) for e in live), 1)


def decide(policy: Policy, codebook: Codebook, products: Sequence[Product], profile: Profile, now: float,
           *, proactive: bool = False, trigger: str = "", restrained: str = "",
           someone_else: dict[str, str] | None = None, kind: Sequence[str] = (), not_carried: str = "",
           cautious: Collection[str] = (), minor: str = "", need_asked: str = "") -> Decision:
    """`restrained` is why nothing may be marketed to the customer at all (the customer-group blacklist,
    docs/groups.md): it holds back every offer, an explicit ask included. `someone_else`: survey answers the
    ask gave about another person (送男朋友 油皮 有什么合适的: question → code): the product is chosen for them;
    empty (a gift, nothing said of them yet): the concern is asked first, about them.
    `kind`: the ids of the products of the kind the ask named (有没有推荐的防晒): the product is one of them, and a
    kind of one needs no question first (a gift included: 买给妈妈 推荐个防晒). `not_carried`: the ask named a kind
    the shop does not sell (推荐个面霜, products.yaml `not_carried`): nothing of another kind is offered instead.
    `cautious`: situations she asked about without saying they are hers (孕妇能用A醇吗): no product to avoid in them.
    `minor`: what said the one using it is a minor (我儿子上初中): our products are for adults, none is recommended.
    `need_asked`: the code of the concern the ask named (有啥控油的推荐吗: 出油): chosen for, not her profile's."""
    live = live_evidence(profile, now, policy.forget_after)
    counted = tuple((str(e[0]), float(e[1]), str(e[3])) for e in live)
    need = _need(live)  # need_score's, from the evidence just read
    reasons: list[str] = []

    def done(action: Action, **extra: Any) -> Decision:
        return Decision(action, tuple(reasons), counted, need, now, trigger=trigger, **extra)

    concern = policy.concern
    ask = None if proactive else _open_ask(policy, live, now, _withdrawn_at(profile))
    fresh = profile.budget and now - float(profile.budget[1]) <= policy.forget_after
    limit = price_limit(profile.budget, profile.offers, products) if fresh else None
    if limit is not None:
        reasons.append(f"价格：{profile.budget[2]}（{limit:.0f}元以内）")
    if restrained:
        reasons.append(f"客户群黑名单（{restrained}）：不推荐任何商品")
        return done(Action.HOLD, asked=ask is not None)
    if minor:
        reasons.append(f"用的人未成年（{minor}）：产品按成人肌肤设计，不推荐任何商品")
        return done(Action.HOLD, asked=ask is not None, minor=minor)
    if ask is not None:
        reasons.append(f"顾客主动要推荐（{ask[3]}，{_span(now - float(ask[2]))}前）")
        if profile.opted_out:
            reasons.append("说过别推了：这次是顾客自己要的，回答一次，之后仍不主动推")
        if kind:
            reasons.append(f"点名要一类商品：{'、'.join(kind)}")
            if not_carried:  # 精华和面霜: answered within 精华, and 面霜 said to be one we do not sell
                reasons.append(f"还点名要了{not_carried}：我们家没有，老实说一句")
                done = partial(done, not_carried=not_carried)
        elif not_carried:
            reasons.append(f"点名要的{not_carried}我们家没有：老实说，不拿别的品类凑")
            return done(Action.HOLD, asked=True, not_carried=not_carried)
        if someone_else is not None and not someone_else and concern and len(kind) != 1:  # 买给妈妈 有什么推荐
            reasons.append(f"给别人挑，还不知道 TA 的 {concern}：先问一个问题（不按她自己的档案）")
            return done(Action.ASK_FIRST, asked=True, question=concern)
        if someone_else:
            said = "、".join(codebook.label(q, code) for q, code in someone_else.items())
            reasons.append(f"给别人挑：按 TA 的情况（{said}），不按她自己的档案")
        elif need_asked and concern:
            reasons.append(f"她要的是 {codebook.label(concern, need_asked)}（{concern}）：按这个挑")
        elif concern and not profile.known(concern) and len(kind) != 1:
            reasons.append(f"还不知道 {concern}：先问一个问题")
            return done(Action.ASK_FIRST, asked=True, question=concern)
        choice = choose(policy, codebook, products, profile, limit=limit, answers=someone_else or None, kind=kind,
                        cautious=cautious, need=need_asked if not someone_else else "")
        reasons.append(choice.reason)
        if choice.product is None and len(kind) > 1 and not choice.avoided and not choice.over_budget:
            wider = choose(policy, codebook, products, profile, limit=limit, answers=someone_else or None,
                           cautious=cautious, need=need_asked if not someone_else else "")
            # 控油的精华: no serum is for oil, the lotion is — said so, not "nothing"
            if wider.product is not None:  # named, not pushed: she asked for a kind (no link of another kind)
                reasons.append(f"她点名的那一类里没有对症的；别的品类里 {wider.product.id} 对症：说一句，不推")
                return done(Action.HOLD, asked=True, other_kind=wider.product.name)
        safe = safe_pick(codebook, products, profile, policy.safe_gift, answers=someone_else, limit=limit) \
            if choice.product is None and someone_else is not None and not kind and not choice.avoided \
            and not someone_else.get(SKIN) else None  # her skin told (她干皮): the fitting one was offered already
        if safe is not None:  # 送女朋友 + 不知道她什么皮肤: one anyone can use, not 暂时没有特别对症的
            reasons.append(f"送礼，不知道 TA 的情况：挑一款谁用都合适的 {safe.id}（safe_gift）")
            return done(Action.RECOMMEND, asked=True, product=safe, fit="送礼：谁用都合适", safe=True)
        if choice.product is None:
            # she set a price: nothing within it is what to say (太贵了 when nothing else fits either)
            return done(Action.HOLD, asked=True, over_budget=choice.over_budget or limit is not None,
                        avoided="、".join(p.name for p in choice.avoided), because=choice.because,
                        cautious=choice.cautious)
        return done(Action.RECOMMEND, asked=True, product=choice.product, fit=choice.reason)

    if profile.opted_out:
        reasons.append(f"说过别推了（{_span(now - profile.opted_out_at)}前）：不再主动推荐")
        return done(Action.HOLD)
    refused = [float(r[1]) for r in profile.refusals if now - float(r[1]) < policy.cooldown]
    if refused:
        last = max(refused)
        reasons.append(f"{_span(now - last)}前拒绝过：冷却中，还要{_span(last + policy.cooldown - now)}")
        return done(Action.HOLD)
    if cold(counted):
        if profile.light_at:
            reasons.append(f"冷淡，{_span(now - profile.light_at)}前已经轻轻提过一次：不再提")
            return done(Action.HOLD)
        if need >= policy.need.light:
            reasons.append(f"冷淡但有需求（需求分 {need:g} ≥ {policy.need.light:g}）：只轻轻提一次")
            return done(Action.LIGHT)
        reasons.append(f"冷淡，需求分 {need:g} < {policy.need.light:g}：不提")
        return done(Action.HOLD)
    if profile.sessions <= 1 and not policy.budget.first_session:
        pressing = [e for e in live if now - float(e[2]) <= policy.ask_valid
                    and e[0] in policy.evidence and policy.evidence[e[0]].first_session]
        if not pressing:
            reasons.append("第一次会话，顾客没有主动要：不主动推荐")
            return done(Action.HOLD)
        reasons.append(f"第一次会话，但顾客说了{pressing[-1][3]}（{pressing[-1][0]}）：不等下一次")
    urgent = [e for e in live if e[0] == "urgent" and now - float(e[2]) <= policy.ask_valid]
    recent = [o for o in profile.offers if now - float(o[1]) < policy.window]
    if len(recent) >= policy.budget.offers:
        reasons.append(f"{policy.spec.budget.window} 内已推荐 {len(recent)} 次（上限 {policy.budget.offers}）")
        return done(Action.HOLD)
    if need < policy.need.recommend:
        reasons.append(f"需求分 {need:g} < {policy.need.recommend:g}：需求还不明确，不推荐")
        return done(Action.HOLD)
    reasons.append(f"需求明确（需求分 {need:g} ≥ {policy.need.recommend:g}）")
    if concern and not profile.known(concern):
        reasons.append(f"还不知道 {concern}：先问一个问题")
        return done(Action.ASK_FIRST, question=concern)
    choice = choose(policy, codebook, products, profile, limit=limit, cautious=cautious)
    reasons.append(choice.reason)
    if choice.product is None:
        return done(Action.HOLD)
    if urgent:
        reasons.append(f"很急（{urgent[-1][3]}）且知道困扰：直接推荐")
        return done(Action.RECOMMEND, product=choice.product, fit=choice.reason)
    reasons.append("没有主动要：先问一句要不要帮忙挑")
    return done(Action.ASK_FIRST, question=PERMISSION, product=choice.product, fit=choice.reason)


def cold(counted: Sequence[Sequence[Any]]) -> bool:
    """More cold evidence (嗯, silence after an offer, a refusal) than warm (an ask, urgency) still counts."""
    return sum(1 for e in counted if e[0] in _COLD) > sum(1 for e in counted if e[0] in _WARM)


def _open_ask(policy: Policy, live: list[list[Any]], now: float, withdrawn_at: float = 0.0) -> list[Any] | None:
    """The latest explicit ask that has not had its answer yet (answered ones are relabelled), if recent — and
    not taken back since: 有推荐吗 → 不要了 我就问问 → 别推了 leaves no ask standing."""
    asks = [e for e in live if e[0] == "ask" and now - float(e[2]) <= policy.ask_valid
            and float(e[2]) >= withdrawn_at]
    return asks[-1] if asks else None


def _withdrawn_at(profile: Profile) -> float:
    """When the customer last said no: 别推了, or a refusal of an offer."""
    return max([profile.opted_out_at, *(float(r[1]) for r in profile.refusals)])


def _span(seconds: float) -> str:
    seconds = max(0.0, seconds)
    for unit, size in (("天", 86400), ("小时", 3600), ("分钟", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}秒"
