"""`siyu check` warnings about products.yaml answers that contradict the product's own fields.

Two mistakes load fine and then tell customers something wrong:
- the price was changed (`price: 189`) and the price answer still says 169元;
- `avoid_when` lists 孕期, yet the answer to 孕妇能用吗 says 放心用 (no word of holding back).
Both are warnings at the answer's file:line: the content loads, the operator decides. So is a third:
- `quantity.deal` (同款第二件半价, said with the total of two bottles) that no FAQ answer says (bulk_buy was changed to
  another deal): the customer would hear two deals. Reported at the `deal` line.
"""

from __future__ import annotations

import re

from bot.content.source import ContentError, Document, Problem, load_document
from bot.engine.content import Content
from bot.engine.unsold import holding_back_words

_YUAN = re.compile(r"(\d+(?:\.\d+)?)\s*(?:元|块)")


def product_warnings(content: Content) -> list[Problem]:
    path = content.root / "knowledge" / "products.yaml"
    knowledge = content.understanding.knowledge
    if not knowledge.products or not path.exists():
        return []
    try:
        document = load_document(path, "knowledge/products.yaml")
    except ContentError:
        return []  # check_all reports a file it cannot read
    normalize = content.understanding.normalize
    price_cues = [normalize(cue) for cue in knowledge.language.kinds.get("price", [])]
    holding_back = holding_back_words(knowledge.language)
    stage_words = _stage_words(content)
    problems: list[Problem] = []
    display = "knowledge/products.yaml"
    for number, product in enumerate(knowledge.products):
        avoided = {word for label in product.avoid_when for word in stage_words.get(label, [label])}
        for place, answer in enumerate(product.answers):
            line, col = document.where(("products", number, "answers", place, "answer"))
            asked = [normalize(question) for question in answer.questions]
            if product.price is not None and any(cue in q for q in asked for cue in price_cues if cue):
                said = {float(amount) for amount in _YUAN.findall(answer.answer)}
                if said and product.price not in said:
                    quoted = "、".join(f"{amount:g}元" for amount in sorted(said))
                    problems.append(Problem(display, line, col,
                                            f"{product.id} 的价格回答里写的是 {quoted}，可 price 是 {product.price:g}："
                                            "顾客问“多少钱”会听到旧价格，改成一致"))
            stages = sorted({word for word in avoided if any(word in q for q in asked)})
            if stages and not any(word in answer.answer for word in holding_back):
                problems.append(Problem(display, line, col,
                                        f"{product.id} 的 avoid_when 写了 {'、'.join(product.avoid_when)}，可问“"
                                        f"{answer.questions[0]}”的这条回答里没有一句劝她先别用的话（不要、别、避免……）："
                                        "是不是回答写反了？"))
    return problems + _deal_warnings(content, document) + _caution_warning(content)


def _caution_warning(content: Content) -> list[Problem]:
    """Products that avoid a time of hers, and no `caution` words in matching.yaml (content written before the field
    existed): a warning clause that holds back without a negation (先停掉A醇) is then cut from answers to her."""
    knowledge = content.understanding.knowledge
    path = content.root / "knowledge" / "matching.yaml"
    avoiding = [p.id for p in knowledge.products if p.avoid_when]
    if knowledge.language.caution or not avoiding or not path.exists():
        return []
    try:
        document = load_document(path, "knowledge/matching.yaml")
    except ContentError:
        return []
    said = (f"language 里没有 caution（劝她先别用的词：避开、停用、先停、问问医生……）：{'、'.join(avoiding)} 写了 "
            "avoid_when，对孕期等特殊时期的顾客，回答里点名这些商品、只靠这类词劝她先别用的半句（“先停掉A醇”）"
            "会被去掉。照 docs/authoring.md 加上 caution")
    return [document.key_problem(("language",), said)]


def _deal_warnings(content: Content, document: Document) -> list[Problem]:
    """quantity.deal whose words no FAQ answer holds all of (同款第二件半价 in 同款买2件第二件半价)."""
    understanding = content.understanding
    deal = understanding.knowledge.quantity.deal
    if not deal:
        return []
    words = [w for w in understanding.analyze(understanding.normalize(deal)).words if not w.startswith("¬")]
    answers = [understanding.normalize(entry.answer) for entry in understanding.knowledge.faq if entry.answer]
    if not words or any(all(word in answer for word in words) for answer in answers):
        return []
    line, col = document.where(("quantity", "deal"))
    return [Problem("knowledge/products.yaml", line, col,
                    f"quantity 的 deal “{deal}” 在 FAQ 的回答里没有一条这样说：问“两瓶多少钱”和问“买多件有优惠吗”"
                    "会听到两种优惠，改成一致（pays 也要跟着改）")]


def _stage_words(content: Content) -> dict[str, list[str]]:
    """avoid_when label → the words customers use for it (the codebook option's label, answers and mentions)."""
    words: dict[str, list[str]] = {}
    for question in content.codebook.questions.values():
        for option in question.options.values():
            said = [option.label, *option.answers, *option.mentions]
            words.setdefault(option.label, []).extend(
                w for w in (content.understanding.normalize(word) for word in said) if w)
    return words
