"""A product's own answers (knowledge/products.yaml `answers`): which one a question about that product asks for.

怎么用 right after a recommendation, 舒缓修护精华多少钱: the question, without the product's name, is searched among
the phrasings of that product's answers only; a phrasing of nothing but a question kind (多少钱) answers a question
of that kind and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from bot.understanding.analysis import FACTORS, Analysis
from bot.understanding.index import Index, Scored
from bot.understanding.knowledge import Product


class ProductAnswers:
    def __init__(self, products: Sequence[Product], read: Callable[[str], Analysis], hit: float) -> None:
        self._read = read  # normalise and analyse a text
        self._hit = hit
        self._kind_only: dict[str, list[tuple[int, frozenset[str]]]] = {}
        self.index = Index(self._documents(products), FACTORS)
        self._positions: dict[str, frozenset[int]] = {}

    def _documents(self, products: Sequence[Product]) -> Iterator[tuple[str, str, Analysis]]:
        for product in products:
            for number, answer in enumerate(product.answers):
                for text in answer.questions:
                    analysis = self._read(text)
                    if not analysis.empty:
                        yield f"{product.id}#{number}", text, analysis
                    elif analysis.kinds:  # 多少钱: nothing but the kind of question
                        self._kind_only.setdefault(product.id, []).append((number, analysis.kinds))

    def answer(self, product_id: str, text: str) -> tuple[int, Scored] | None:
        """Which of a product's own answers `text` asks for: (its number, the match), or None."""
        analysis = self._read(text)
        if analysis.empty:
            for answer, kinds in self._kind_only.get(product_id, ()):
                if analysis.kinds and kinds == analysis.kinds:
                    return answer, Scored(f"{product_id}#{answer}", 100.0, text, ())
            return None
        if product_id not in self._positions:
            self._positions[product_id] = self.index.positions(product_id + "#")
        among = self._positions[product_id]
        if not among:
            return None
        for scored in self.index.search(analysis, among):
            owner, _, number = scored.entry.partition("#")
            if owner == product_id and scored.score >= self._hit:
                return int(number), scored
        return None
