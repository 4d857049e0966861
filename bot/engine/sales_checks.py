"""knowledge/policy.yaml and knowledge/codebook.yaml against each other, the intents, the products and the flows.

A part given as None did not load (its own problems are reported): what refers to it is not checked this time.
`products` are those valid on their own, with the document their positions are in (bot/content/salvage.py).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from bot.content.source import Document, Problem, load_document
from bot.content.suggest import one_of
from bot.policy.spec import Policy, PolicyFile
from bot.profile.codebook import Codebook
from bot.understanding.knowledge import Product


def check_sales(policy: tuple[Policy | PolicyFile, Document], codebook: Codebook | None,
                intents: Collection[str] | None, products: tuple[list[Product], Document] | None,
                flow_files: Collection[str], root: Path, written_kinds: Collection[str] | None = None,
                faq_ids: Collection[str] | None = None) -> list[Problem]:
    """written_kinds: the evidence kinds as written, when `policy` is only the valid part of a policy.yaml with
    a mistake (a kind left out for its own mistake is still there for the codebook to name)."""
    spec, doc = policy
    kinds = spec.evidence if written_kinds is None else written_kinds
    problems: list[Problem] = []
    if spec.flow not in flow_files:
        problems.append(doc.problem(("flow",), f"没有流程 “{spec.flow}”（没有 flows/{spec.flow}.yaml）；"
                                               f"{one_of(spec.flow, flow_files)}"))
    for kind, evidence in spec.evidence.items():
        for field, intent in [*(("intents", i) for i in evidence.intents),
                              *(("after_offer", i) for i in evidence.after_offer)]:
            if intents is not None and intent not in intents:
                problems.append(doc.problem(("evidence", kind, field),
                                            f"没有意图 “{intent}”（knowledge/intents.yaml）；"
                                            f"{one_of(intent, intents)}"))
    for number, reaction in enumerate(spec.disliked.reactions):
        if faq_ids is not None and reaction.answer not in faq_ids:
            problems.append(doc.problem(("disliked", "reactions", number, "answer"),
                                        f"没有 FAQ “{reaction.answer}”（knowledge/faq.yaml）；"
                                        f"{one_of(reaction.answer, faq_ids)}"))
    for field in ("reaction", "answer"):
        said = getattr(spec.skin_type, field)
        if said and faq_ids is not None and said not in faq_ids:
            problems.append(doc.problem(("skin_type", field), f"没有 FAQ “{said}”（knowledge/faq.yaml）；"
                                                              f"{one_of(said, faq_ids)}"))
    for number, said in enumerate(spec.minors.answers):
        if faq_ids is not None and said not in faq_ids:
            problems.append(doc.problem(("minors", "answers", number), f"没有 FAQ “{said}”（knowledge/faq.yaml）；"
                                                                      f"{one_of(said, faq_ids)}"))
    trial = spec.too_expensive.answer
    if trial and faq_ids is not None and trial not in faq_ids:
        problems.append(doc.problem(("too_expensive", "answer"), f"没有 FAQ “{trial}”（knowledge/faq.yaml）；"
                                                                 f"{one_of(trial, faq_ids)}"))
    doctor = spec.minors.see_doctor.answer
    if doctor and faq_ids is not None and doctor not in faq_ids:
        problems.append(doc.problem(("minors", "see_doctor", "answer"), f"没有 FAQ “{doctor}”（knowledge/faq.yaml）；"
                                                                        f"{one_of(doctor, faq_ids)}"))
    teen = spec.minors.me_answer
    if teen and faq_ids is not None and teen not in faq_ids:
        problems.append(doc.problem(("minors", "me_answer"), f"没有 FAQ “{teen}”（knowledge/faq.yaml）；"
                                                             f"{one_of(teen, faq_ids)}"))
    if codebook is None:
        return problems
    questions = codebook.questions
    if spec.concern and spec.concern not in questions:
        problems.append(doc.problem(("concern",), f"编码本里没有题目 “{spec.concern}”；"
                                                  f"{one_of(spec.concern, questions)}"))
    for fitted in spec.fit:
        if fitted not in questions:
            problems.append(doc.problem(("fit", fitted), f"编码本里没有题目 “{fitted}”；{one_of(fitted, questions)}"))
    vocabulary = set(codebook.tags) | {o.label for q in questions.values() for o in q.options.values()}
    for position, label in enumerate(spec.price.low):
        if vocabulary and label not in vocabulary:
            problems.append(doc.problem(("price", "low", position), f"“{label}” 不是编码本里的选项或标签，"
                                                                    f"永远对不上；{one_of(label, vocabulary)}"))
    if products is not None:
        ids = [p.id for p in products[0]]
        for position, pid in enumerate(spec.safe_gift):
            if pid not in ids:
                problems.append(doc.problem(("safe_gift", position), f"没有商品 “{pid}”（knowledge/products.yaml）；"
                                                                      f"{one_of(pid, ids)}"))
    if vocabulary and products is not None:
        listed, listing = products
        for index, product in enumerate(listed):
            for field, said, meaning in (("fits", product.fits, "永远对不上"),
                                         ("avoid_when", product.avoid_when, "永远不会避开")):
                for position, label in enumerate(said):
                    if label not in vocabulary and not listing.mistyped(("products", index, field, position)):
                        problems.append(listing.problem(("products", index, field, position),
                                                        f"{product.id}: “{label}” 不是编码本里的选项或标签，{meaning}；"
                                                        f"{one_of(label, vocabulary)}"))
    book = root / "knowledge" / "codebook.yaml"
    if book.exists():
        book_doc = load_document(book, "knowledge/codebook.yaml")
        for qid, question in questions.items():
            for code, option in question.options.items():
                if option.evidence is not None and option.evidence not in kinds:
                    problems.append(book_doc.problem(("questions", qid, "options", code, "evidence"),
                                                     f"knowledge/policy.yaml 里没有证据类型 “{option.evidence}”；"
                                                     f"{one_of(option.evidence, kinds)}"))
    return problems
