"""我敏感肌 | 一用东西就泛红刺痛 / 我皮肤很敏感 用啥都刺痛 / 敏感肌 | 换季就脸红发痒: a new customer
describing her skin is no after-sales allergy (QA round 14, finding 8: she was asked for an order number
and handed to a person, and the best-fit prospect for the soothing serum was lost).

The policy's `skin_type` (knowledge/policy.yaml) names the after-sales entry (`reaction`: allergy_after_use)
and the skin's own entry (`answer`: sensitive_skin). When the turn (a burst: its messages together) describes
her skin — a `habitual` phrase (一用东西就, 用啥都, 换季就: it always happens) — and does not say she used
ours (one of `ours`: 你们, 买的; a product or a kind of ours named: 精华; the product in view pointed at:
那个; an order on record), the pieces the reaction answered are answered by the skin's entry instead: no
handover, and the survey is pre-filled as for any statement. A reaction told as it happens (我是敏感肌
脸上起疹子了) is still the reaction: stop, see a doctor if it swells, and a person follows up."""

from __future__ import annotations

from dataclasses import replace

from bot.engine.followup import POINTING, product_names
from bot.engine.memory import recent
from bot.engine.turn_context import TurnContext
from bot.understanding.matcher import Decision, Result


def read(ctx: TurnContext, results: list[Result]) -> list[Result]:
    spec = ctx.content.policy.skin_type
    faq = ctx.content.understanding.faq_by_id
    if not spec.reaction or spec.answer not in faq:
        return results
    reacting = [r for r in results if r.decision is Decision.ANSWER and spec.reaction in r.answers]
    if not reacting:
        return results
    text = "，".join(part for r in results for part in (r.normalized, r.heard) if part)
    described = next((word for word in spec.habitual if word and word in text), "")
    if not described or _ours(ctx, results, text):
        return results
    ctx.why.append(f"她在讲自己的肤质（{described}），没说用了我们的：不按 {spec.reaction} 回答，按 {spec.answer}")
    read_again = []
    for result in results:
        if result in reacting:
            rest = [name for name in result.answers if name != spec.reaction]
            result = replace(result, answers=rest or [spec.answer])
        read_again.append(result)
    return read_again


def _ours(ctx: TurnContext, results: list[Result], text: str) -> bool:
    if ctx.profile.purchases or any(word and word in text for word in ctx.content.policy.skin_type.ours):
        return True
    names = product_names(ctx.content.understanding)
    if any(names.one_named(r.normalized, r.words) is not None or names.kind_asked(r.normalized) for r in results):
        return True
    return bool(recent(ctx.session, "product")) and any(word in text for word in POINTING)
