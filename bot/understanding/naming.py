"""Which product a message names: 舒缓修护精华多少钱, 水杨酸精华孕妇能用吗, 控油乳液怎么用.

A message names a product when pieces of the product's name (two characters or more each) cover four of
its characters (舒缓 + 精华), or three that no other product's name has (水杨酸), or the whole name; and no
other product is named as much. 修护精华, which two names share, names neither; 控油 alone names nothing (a
customer asking how to control oil asks about oil). `rest` is the message without the name, so that the
product's own answers (knowledge/products.yaml `answers`) are looked up with what was asked about it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.understanding.knowledge import Product

ENOUGH = 4  # characters of a name said
ENOUGH_OWN = 3  # … or this many in one piece no other name has


@dataclass(frozen=True)
class Named:
    product: Product
    rest: str  # the normalised message without the product's name
    said: tuple[str, ...] = ()  # the pieces of the name the message says (保湿水)


class ProductNames:
    def __init__(self, products: Sequence[Product], normalize: Callable[[str], str]) -> None:
        self._names = [(product, name) for product in products if len(name := normalize(product.name)) >= 2]
        self._pairs: dict[str, set[int]] = {}  # two characters of a name → the names that have them
        for number, (_, name) in enumerate(self._names):
            for start in range(len(name) - 1):
                self._pairs.setdefault(name[start:start + 2], set()).add(number)

    def named(self, normalized: str, *, by_word: bool = True) -> Named | None:
        """by_word=False: three characters only its name has (水杨酸) are not enough — what the bot itself said
        names a product by its name (含水杨酸的控痘精华), while 在鼻翼局部用水杨酸 speaks of an ingredient (QA round
        14, finding 6)."""
        scored = self._scored(normalized, by_word)
        if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return None
        _, product, name, pieces = scored[0]
        rest = normalized
        for start, end in sorted(pieces, key=lambda piece: piece[1] - piece[0], reverse=True):
            rest = rest.replace(name[start:end], "")
        if self._scored(rest, by_word):
            return None  # 舒缓修护精华和水杨酸精华哪个好: two products, compared
        return Named(product, rest, tuple(name[start:end] for start, end in pieces))

    def one_named(self, normalized: str, words: Sequence[str] = ()) -> Product | None:
        """The one product a message names: by its name (named()), else by the words of it only one name holds
        (舒缓 of 舒缓修护精华, a醇); None when it names none, or several."""
        named = self.named(normalized)
        if named is not None:
            return named.product
        held = {p.id: p for word in words if (p := self.only_holder(word)) is not None}
        return next(iter(held.values())) if len(held) == 1 else None

    def several(self, normalized: str, words: Sequence[str] = ()) -> list[Product]:
        """Every product a message names, in the order it names them (A醇和保湿水一共多少钱): by its name (as named()
        reads one), or by one of `words` only its name holds (a醇); empty when it names fewer than two."""
        found: list[tuple[int, Product]] = []
        rest = normalized
        while (scored := self._scored(rest)) and not (len(scored) > 1 and scored[1][0] == scored[0][0]):
            _, product, name, pieces = scored[0]
            found.append((normalized.find(name[pieces[0][0]:pieces[0][1]]) if pieces else 0, product))
            for start, end in pieces:
                rest = rest.replace(name[start:end], "")
        for word in words:
            holder = self.only_holder(word)
            if holder is not None and word in rest and all(holder.id != p.id for _, p in found):
                found.append((normalized.find(word), holder))
        return [product for _, product in sorted(found, key=lambda item: item[0])] if len(found) > 1 else []

    def without(self, typed: str, heard: str) -> str:
        """`typed` without the name of the one product `heard` (the same text, its typos read: the same length)
        names: 保湿谁多少钱 → 多少钱. A word of a survey answer inside a product's name (保湿 of 保湿水, 控油 of
        清爽控油乳液) is the product, not her skin. `typed` itself when no product, or several, are named."""
        named = self.named(heard)
        if named is None or len(heard) != len(typed):
            return typed
        inside: set[int] = set()
        for piece in named.said:
            at = heard.find(piece)
            while at >= 0:
                inside.update(range(at, at + len(piece)))
                at = heard.find(piece, at + 1)
        return "".join(char for number, char in enumerate(typed) if number not in inside)

    def _scored(self, text: str, by_word: bool = True) -> list[tuple[int, Product, str, list[tuple[int, int]]]]:
        hits: dict[int, int] = {}
        pairs = self._pairs
        for start in range(len(text) - 1):
            for number in pairs.get(text[start:start + 2], ()):
                hits[number] = hits.get(number, 0) + 1
        scored = []
        for number, count in hits.items():
            product, name = self._names[number]
            if count < 2 and name not in text:  # three characters in one piece, or four in two: two pairs
                continue
            pieces = _pieces_said(name, text)
            covered = len({i for start, end in pieces for i in range(start, end)})
            own = by_word and any(end - start >= ENOUGH_OWN and not self._elsewhere(name[start:end], product)
                      for start, end in pieces)
            if name in text or covered >= ENOUGH or own:
                scored.append((len(name) * 2 if name in text else covered, product, name, pieces))
        scored.sort(key=lambda item: item[0], reverse=True)
        return scored

    def shared(self, normalized: str) -> list[Product]:
        """The products a message names by a name they share (修护精华: 舒缓修护精华 and A醇夜间修护精华), in catalogue
        order; empty when it names one, none, or compares two (舒缓修护精华和水杨酸精华哪个好)."""
        scored = self._scored(normalized)
        if len(scored) < 2 or scored[1][0] != scored[0][0]:
            return []
        said = {tuple(name[a:b] for a, b in pieces) for _, _, name, pieces in scored[:2]}
        tied = [item for item in scored if item[0] == scored[0][0]
                and tuple(item[2][a:b] for a, b in item[3]) in said]
        if len(said) != 1 or len(tied) < 2:
            return []
        ids = {product.id for _, product, _, _ in tied}
        return [product for product, _ in self._names if product.id in ids]

    def kind_asked(self, normalized: str) -> list[Product]:
        """The products of the kind a message asks for: the longest end of a name (two characters or more: 防晒 of
        轻透日常防晒, 精华, 修护精华, 乳液) the message says, and every product whose name ends so (有没有推荐的防晒 →
        the one sunscreen; 推荐个精华 → the four serums). A name's end says what the product is; 控油 or 玻尿酸
        inside it does not. Empty when the message says no such end."""
        best, found = 0, []
        for product, name in self._names:
            end = next((len(name) - n for n in range(len(name) - 1) if name[n:] in normalized), 0)
            if end >= 2 and end > best:
                best, found = end, [product]
            elif end >= 2 and end == best:
                found.append(product)
        return found

    def only_holder(self, word: str) -> Product | None:
        """The one product whose name holds `word` (two characters or more): 防晒 in 轻透日常防晒; None when no
        name or several names hold it (精华)."""
        holders = [product for product, name in self._names if len(word) >= 2 and word in name]
        return holders[0] if len(holders) == 1 else None

    def pieces(self, longest: int = 4) -> set[str]:
        """What a customer types for one product: three to `longest` characters of its name that no other name
        holds (保湿水, 水杨酸, 日常防晒) — the words the typo corrector hears 保湿谁 and 保时水 as."""
        return {name[start:start + length] for product, name in self._names for length in range(ENOUGH_OWN, longest + 1)
                for start in range(len(name) - length + 1)
                if not self._elsewhere(name[start:start + length], product)}

    def _elsewhere(self, piece: str, product: Product) -> bool:
        return any(piece in name for other, name in self._names if other.id != product.id)


def _pieces_said(name: str, text: str) -> list[tuple[int, int]]:
    """The longest pieces of `name` (two characters or more) that `text` contains, as (start, end)."""
    pieces: list[tuple[int, int]] = []
    start = 0
    while start < len(name) - 1:
        end = len(name)
        while end - start >= 2 and name[start:end] not in text:
            end -= 1
        if end - start >= 2:
            pieces.append((start, end))
            start = end
        else:
            start += 1
    return pieces
