"""The statistical layer: logistic regression over character n-grams of the normalised message.

The parameters live in a plain text file in the content folder (knowledge/moderation_model.tsv by
default), written by `python -m bench.train_moderation` (see docs/moderation.md for the data and how to
retrain). Format, one item a line:

    # comment
    #! orders	1 2 3          n-gram lengths
    #! bias	-3.2
    优惠	1.234               n-gram<TAB>weight

Digits are read as 0 (a phone number and a price look alike to the model; the rules look at numbers).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from pathlib import Path

import ahocorasick

from bot.content.source import ContentError, Problem, read_text

_DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
_second = operator.itemgetter(1)
MAX_READ = 300  # compact characters the model reads; enough for any advert, bounded time for a pasted essay


def ngrams(compact: str, orders: tuple[int, ...]) -> set[str]:
    text = compact.translate(_DIGITS_TO_ZERO)
    return {text[i:i + n] for n in orders for i in range(len(text) - n + 1)}


@dataclass(frozen=True)
class NgramModel:
    weights: dict[str, float]
    bias: float
    orders: tuple[int, ...]
    # every n-gram of the model in one automaton: a message's n-grams are found in one C pass
    _automaton: ahocorasick.Automaton = field(init=False, repr=False, compare=False)
    _grams: list[str] = field(init=False, repr=False, compare=False)
    _values: list[float] = field(init=False, repr=False, compare=False)
    _reads_digits: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        grams = [g for g in self.weights if len(g) in self.orders]
        automaton = ahocorasick.Automaton()
        for index, gram in enumerate(grams):
            automaton.add_word(gram, index)
        if grams:
            automaton.make_automaton()
        object.__setattr__(self, "_automaton", automaton)
        object.__setattr__(self, "_grams", grams)
        object.__setattr__(self, "_values", [self.weights[g] for g in grams])
        object.__setattr__(self, "_reads_digits", any("0" in g for g in grams))

    def logit(self, compact: str) -> tuple[float, set[int]]:
        """The log-odds that the message is an advert, and which of the model's n-grams it contains."""
        if not self._grams:
            return self.bias, set()
        text = compact[:MAX_READ]
        if self._reads_digits:
            text = text.translate(_DIGITS_TO_ZERO)
        present = set(map(_second, self._automaton.iter(text)))  # all in C: no bytecode per n-gram
        return self.bias + sum(map(self._values.__getitem__, present)), present

    def strongest(self, present: set[int], count: int) -> list[tuple[str, float]]:
        """The n-grams that pushed hardest towards “advert”, for the explanation."""
        top = sorted(present, key=self._values.__getitem__)[-count:]
        return [(self._grams[i], self._values[i]) for i in reversed(top) if self._values[i] > 0]

    def probability(self, compact: str) -> float:
        return sigmoid(self.logit(compact)[0])

    def dump(self, header: list[str]) -> str:
        lines = [f"# {line}" for line in header]
        lines.append(f"#! orders\t{' '.join(map(str, self.orders))}")
        lines.append(f"#! bias\t{self.bias:.6f}")
        for gram, weight in sorted(self.weights.items(), key=lambda item: (-abs(item[1]), item[0])):
            lines.append(f"{gram}\t{weight:.4f}")
        return "\n".join(lines) + "\n"


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    z = math.exp(x)
    return z / (1 + z)


def load_model(path: Path, display: str) -> NgramModel:
    """Read a model file; every malformed line is a problem at file:line."""
    text = read_text(path, display)
    problems: list[Problem] = []
    weights: dict[str, float] = {}
    bias: float | None = None
    orders: tuple[int, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or (line.startswith("#") and not line.startswith("#!")):
            continue
        fields = (line[2:].strip() if line.startswith("#!") else line).split("\t")
        if len(fields) != 2:
            problems.append(Problem(display, number, 1, "每行应为 n-gram<TAB>权重：两项，中间一个 Tab"))
            continue
        key, value = fields
        try:
            if line.startswith("#!") and key == "orders":
                orders = tuple(sorted({int(part) for part in value.split()}))
                if not orders or min(orders) < 1 or max(orders) > 5:
                    raise ValueError
            elif line.startswith("#!") and key == "bias":
                bias = float(value)
            elif line.startswith("#!"):
                problems.append(Problem(display, number, 3, f"不认识的设置 “{key}”：只能是 orders 或 bias"))
            else:
                weights[key] = float(value)
        except ValueError:
            problems.append(Problem(display, number, len(key) + 2, f"“{value}” 不是有效的数值"))
    if not orders:
        problems.append(Problem(display, 1, 1, "缺少 #! orders 行（写 n-gram 的长度）"))
    if bias is None:
        problems.append(Problem(display, 1, 1, "缺少 #! bias 行"))
    if problems:
        raise ContentError(problems)
    assert bias is not None
    return NgramModel(weights, bias, orders)
