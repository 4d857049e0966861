"""An answer that must not sell: the clauses naming a product she did not ask about are left out (docs/policy.md).

- After 别推了 (`only` None): a clause naming any product in full (我们的水杨酸控痘精华适合闭口粉刺) goes; general
  advice that merely mentions an ingredient (白天记得防晒) stays.
- In a time of hers a product avoids (`only`: 孕期 → the products whose `avoid_when` meets it): a clause naming such a
  product in full goes, and so does one naming it by a word only that product's name holds (细纹可以用含A醇的夜间修护
  精华, 晚上在鼻翼局部用水杨酸) — for a pregnant customer that clause is advice to use it. A clause that holds back
  (a negation of matching.yaml, or one of its `caution` words: 含A醇的夜间精华建议孕期先不要用, 先停掉A醇) is the
  warning itself and stays.
"""

from __future__ import annotations

from dataclasses import replace

from bot.engine.followup import product_names
from bot.engine.quote import CLAUSE_END
from bot.engine.turn_context import TurnContext
from bot.understanding.analysis import NEGATED
from bot.understanding.knowledge import Language


def holding_back_words(language: Language) -> list[str]:
    """Words that hold back: matching.yaml's negations (不, 别, 不要 …) and its `caution` words (先停掉A醇 says it
    without a negation)."""
    return [*language.negations, *language.caution]


def unsold(ctx: TurnContext, said: int, hers: set[str], only: dict[str, str] | None = None) -> None:
    """Leave such clauses out of the messages from `said` on; `hers`: the products her message named (kept)."""
    understanding = ctx.content.understanding
    left_out = [p for p in understanding.knowledge.products
                if p.name and p.id not in hers and (only is None or p.id in only)]
    names = [p.name for p in left_out]
    ids = {p.id for p in left_out}
    holders = product_names(understanding)
    holding_back = holding_back_words(understanding.knowledge.language)

    def names_one(clause: str) -> bool:
        if any(name in clause for name in names):
            return True
        if only is None or any(word in clause for word in holding_back):
            return False
        words = understanding.analyze(understanding.normalize(clause)).words
        return any((p := holders.only_holder(w)) is not None and p.id in ids
                   for w in words if not w.startswith(NEGATED))

    because = "说过别推了" if only is None else f"她在{'、'.join(dict.fromkeys(only.values()))}"
    messages = ctx.reply.messages
    for number in range(said, len(messages)):
        message = messages[number]
        clauses = [c for c in CLAUSE_END.split(message.text) if c.strip()]
        kept = "".join(c for c in clauses if not names_one(c)).strip().rstrip("，,；;、")
        if kept != message.text.strip():
            messages[number] = replace(message, text=kept) if kept else replace(message, text="", label="")
            ctx.why.append(f"{because}：{message.label} 里点名商品的分句不说")
    messages[said:] = [m for m in messages[said:] if m.text or m.attachment]
    if len(messages) == said:  # every clause named one: her care line instead, never silence
        ctx.say("care")
