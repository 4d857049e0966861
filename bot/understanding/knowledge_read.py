"""Reading knowledge/*.yaml for `siyu check` and loading: every file on its own, every mistake of each file.

A broken file does not hide the problems of the others, and one mistake does not hide the others of the same
file: a schema error in one FAQ entry still lets the duplicate id and the unknown intent of other entries be
found (bot/content/salvage.py). Ids used twice are looked for in what was written, valid or not.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from bot.content.salvage import checked
from bot.content.source import ContentError, Document, Problem, load_document
from bot.content.suggest import one_of
from bot.understanding.knowledge import (
    REQUIRED_INTENTS,
    FaqFile,
    IntentFile,
    MatchingFile,
    Product,
    ProductFile,
)

M = TypeVar("M", bound=BaseModel)
NAMES = ("faq", "intents", "products", "matching")


@dataclass
class KnowledgeParts:
    """Each knowledge file that parsed and passed its schema, or None (its problems are in the list)."""

    faq: FaqFile | None
    intents: IntentFile | None
    products: ProductFile | None
    matching: MatchingFile | None
    parsed: frozenset[str] = frozenset()  # files whose YAML could be read (their text can be linted)
    # the products valid on their own, with the positions to report at: checked against the codebook even when
    # another product has a mistake (`products` is then None)
    product_listing: tuple[list[Product], Document] | None = field(default=None)


def _doc(folder: Path, name: str, problems: list[Problem], root: Path) -> Document | None:
    path = folder / name
    display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    if not path.exists():
        problems.append(Problem(display, 1, 1, f"缺少文件 {name}"))
        return None
    try:
        return load_document(path, display)
    except ContentError as error:
        problems.extend(error.problems)
        return None


def _check(model: type[M], doc: Document | None, problems: list[Problem]
           ) -> tuple[M | None, tuple[M, Document] | None]:
    return checked(model, doc, problems) if doc is not None else (None, None)


def read_knowledge(folder: Path, root: Path, problems: list[Problem]) -> KnowledgeParts:
    """Every knowledge file on its own, with all its problems."""
    docs = {name: _doc(folder, f"{name}.yaml", problems, root) for name in NAMES}
    faq, faq_part = _check(FaqFile, docs["faq"], problems)
    intents, intents_part = _check(IntentFile, docs["intents"], problems)
    products, products_part = _check(ProductFile, docs["products"], problems)
    matching, matching_part = _check(MatchingFile, docs["matching"], problems)
    if (faq_doc := docs["faq"]) is not None:
        problems.extend(duplicate_ids(faq_doc, "entries",  # both: a new entry may be the one written first
                                      lambda i, where: f"FAQ id “{i}” 重复了（{where}）：每条 FAQ 的 id 要不一样",
                                      every=True))
        if faq_part is not None:
            problems.extend(_faq_problems(*faq_part, matching, intents, written_ids(faq_doc, "entries")))
    # an FAQ file that did not load says so itself; naming its entries here is noise. A schema error elsewhere in
    # matching.yaml does not hide these: they are checked in the file as far as it is valid
    if matching_part is not None and faq_doc is not None and faq_part is not None:
        valid, matching_doc = matching_part
        faq_ids = {entry_id for _, entry_id in written_ids(faq_doc, "entries")}
        problems.extend(matching_doc.problem(("order_numbers", "check", number),
                                             f"没有 id 为 “{named}” 的 FAQ；{one_of(named, faq_ids)}")
                        for number, named in enumerate(valid.order_numbers.check) if named not in faq_ids)
        problems.extend(matching_doc.problem(("delivered", "answers", number),
                                             f"没有 id 为 “{named}” 的 FAQ；{one_of(named, faq_ids)}")
                        for number, named in enumerate(valid.delivered.answers) if named not in faq_ids)
    if intents_part is not None and (intents_doc := docs["intents"]) is not None:
        problems.extend(_intent_problems(*intents_part, _written_keys(intents_doc, "intents")))
    if (products_doc := docs["products"]) is not None:
        problems.extend(duplicate_ids(products_doc, "products",
                                      lambda i, where: f"商品 id “{i}” 重复了（{where}）：每款商品的 id 要不一样",
                                      every=True))
    return KnowledgeParts(faq, intents, products, matching, frozenset(n for n in NAMES if docs[n] is not None),
                          (products_part[0].products, products_part[1]) if products_part else None)


def written_ids(doc: Document, listing: str) -> list[tuple[int, str]]:
    """(position, id) of each entry of the list `listing` that has a text id, valid or not."""
    items = doc.data.get(listing) if isinstance(doc.data, dict) else None
    if not isinstance(items, list):
        return []
    found = ((index, item.get("id")) for index, item in enumerate(items) if isinstance(item, dict))
    return [(index, entry_id) for index, entry_id in found if isinstance(entry_id, str)]


def _written_keys(doc: Document, mapping: str) -> Collection[str]:
    items = doc.data.get(mapping) if isinstance(doc.data, dict) else None
    return set(items) if isinstance(items, dict) else set()


def duplicate_ids(doc: Document, listing: str, message: Callable[[str, str], str], every: bool = False
                  ) -> list[Problem]:
    """Each entry whose id an earlier one has, naming where the first one is (every=True: each entry of an id
    written more than once, naming where the others are). message(id, where) says it."""
    ids = written_ids(doc, listing)
    where = {index: "{}:{}:{}".format(doc.file, *doc.where((listing, index, "id"))) for index, _ in ids}
    problems = []
    for index, entry_id in ids:
        others = [other for other, other_id in ids if other_id == entry_id and other != index]
        if not others or (not every and others[0] > index):  # the first of an id is said at the others
            continue
        said = (f"第一条在 {where[others[0]]}" if not every else
                f"另{'一条' if len(others) == 1 else '几条'}在 {'、'.join(where[o] for o in others)}")
        problems.append(doc.problem((listing, index, "id"), message(entry_id, said)))
    return problems


def _faq_problems(faq: FaqFile, doc: Document, matching: MatchingFile | None, intents: IntentFile | None,
                  written: list[tuple[int, str]]) -> list[Problem]:
    """not_asked_as, unless_intents and follows of each valid entry (doc: the positions of those entries)."""
    problems = []
    kinds = matching.language.kinds if matching is not None else None  # unknown: matching.yaml did not load
    faq_ids = {entry_id for _, entry_id in written}  # an entry with a mistake is still there to follow
    for index, entry in enumerate(faq.entries):
        for number, kind in enumerate(entry.not_asked_as):
            if kinds is not None and kind not in kinds:
                problems.append(doc.problem(("entries", index, "not_asked_as", number),
                                            f"matching.yaml 的 kinds 里没有问题类型 “{kind}”；{one_of(kind, kinds)}"))
        for number, name in enumerate(entry.unless_intents):
            if intents is not None and name not in intents.intents:
                problems.append(doc.problem(("entries", index, "unless_intents", number),
                                            f"intents.yaml 里没有意图 “{name}”；{one_of(name, intents.intents)}"))
        for which, follows in enumerate(entry.follows):
            if intents is not None and follows.intent not in intents.intents:
                problems.append(doc.problem(
                    ("entries", index, "follows", which, "intent"),
                    f"intents.yaml 里没有意图 “{follows.intent}”；{one_of(follows.intent, intents.intents)}"))
            for named_in in ("after", "over", "alongside"):
                for number, named in enumerate(getattr(follows, named_in)):
                    if named not in faq_ids:
                        problems.append(doc.problem(("entries", index, "follows", which, named_in, number),
                                                    f"没有 id 为 “{named}” 的 FAQ；{one_of(named, faq_ids)}"))
    return problems


def _intent_problems(intents: IntentFile, doc: Document, written: Collection[str]) -> list[Problem]:
    problems = []
    for name, intent in intents.intents.items():
        for number, word in enumerate(intent.unless):
            cancelled = [keyword for keyword in intent.keywords if word in keyword]
            if cancelled:  # 人工 in unless and in the keyword 人工客服: that keyword can never count
                problems.append(doc.problem(
                    ("intents", name, "unless", number),
                    f"unless 里的 “{word}” 就在关键词 “{cancelled[0]}” 里：这个关键词永远不会算"))
    for name in REQUIRED_INTENTS:
        if name not in written:  # one written with a mistake is reported for that mistake, not as missing
            problems.append(doc.problem(("intents",), f"缺少必需的意图 “{name}”"))
    return problems
