"""Which option of a survey question (a state's `ask`) the customer chose.

By number or code (3, D, 选D), by a synonym, by a synonym inside the reply, or by every word of one said
(想好好解决一下 has 解决, the word of 想解决; 不想解决 has not). A codebook question also understands "don't
know" (the `unknown` option). An answer about someone else (我老公油皮: the codebook's `others`) is not hers:
it is the `someone_else` option, and only what she says about herself chooses a real one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.engine.flows import SOMEONE_ELSE, UNKNOWN_OPTION, Ask
from bot.profile.codebook import Codebook
from bot.profile.others import Others
from bot.understanding.matcher import Result
from bot.understanding.normalize import Normalizer

_NEGATING = "不没别"  # a synonym right after one of these is negated, not chosen
_CODE_FRAMES = re.compile(r"^(?:我)?(?:选|是|答)?([0-9a-z]{1,3})(?:吧|哦|呀|啊|的|号|项|个|哈)?$")


class OptionMatcher:
    def __init__(self, ask: Ask, normalize: Normalizer, codebook: Codebook,
                 understand: Callable[[str], Result] | None = None) -> None:
        question = codebook.questions.get(ask.code or "")
        if question is not None:
            choices = [(code, o.label, [o.tag_name, *o.answers]) for code, o in question.options.items()]
            unknown = codebook.unknown
        else:
            choices = [(str(n), label, synonyms) for n, (label, synonyms) in enumerate(ask.options.items(), 1)]
            unknown = []
        self.labels = [label for _, label, _ in choices]
        self.understand = understand
        self.others = Others(codebook.others, normalize)
        self.exact: dict[str, str] = {}
        self.inside: list[tuple[str, str]] = []
        for code, label, synonyms in choices:
            self.exact[normalize(code) or code] = label
            for phrase in (label, *synonyms):
                normalized = normalize(phrase)
                if normalized:
                    self.exact.setdefault(normalized, label)
                    if len(normalized) >= 2:
                        self.inside.append((normalized, label))
        self.inside.sort(key=lambda item: len(item[0]), reverse=True)
        self.unknown = sorted({n for n in map(normalize, unknown) if n}, key=len, reverse=True)
        options = question.options.values() if question is not None else ()
        self.together = [(option.label, [[n for n in map(normalize, group) if n] for group in option.together])
                         for option in options if option.together]
        self.said_labels = [(n, label) for label in self.labels if (n := normalize(label))]
        self.by_words: list[tuple[frozenset[str], str]] = []
        if understand is not None:
            for phrase, label in self.inside:
                words = frozenset(understand(phrase).words)
                if any(len(word) > 1 for word in words):  # 还好 is 还 alone: too little to go by
                    self.by_words.append((words, label))

    def choose(self, text: str, words: tuple[str, ...] = ()) -> str | None:
        hers, theirs = self.others.split(text)
        if not theirs:
            return self._choose(text, words)
        chosen = self._choose(hers, self._words(hers))
        if chosen is None and self._choose(theirs, self._words(theirs)) not in (None, UNKNOWN_OPTION):
            return SOMEONE_ELSE  # 我老公油皮: an answer, but not hers
        return chosen

    def _words(self, text: str) -> tuple[str, ...]:
        return self.understand(text).words if self.understand is not None and text else ()

    def _choose(self, text: str, words: tuple[str, ...]) -> str | None:
        if not text:
            return None
        if text in self.exact:
            return self.exact[text]
        framed = _CODE_FRAMES.match(text)
        if framed and framed.group(1) in self.exact:
            return self.exact[framed.group(1)]
        inferred = self._together(text, words)
        if inferred is not None:
            return inferred
        for phrase, label in self.inside:
            at = text.find(phrase)
            if at >= 0 and not (at and text[at - 1] in _NEGATING):  # 不想解决 is not 想解决
                return label
        if any(phrase in text for phrase in self.unknown):
            return UNKNOWN_OPTION
        if words:
            said = set(words)
            found = {label for needed, label in self.by_words if needed <= said}
            if len(found) == 1:
                return found.pop()
        return None

    def _together(self, text: str, words: tuple[str, ...]) -> str | None:
        """An option whose `together` groups each have a word said (夏天油冬天干: 油 and 干 → 混合肌) — unless
        the reply names exactly one option itself (油皮，冬天有点干 is 油皮, as she says)."""
        if not self.together:
            return None
        named = {label for phrase, label in self.said_labels if _said(phrase, text, words)}
        if len(named) == 1:
            return None
        for label, groups in self.together:
            if all(any(_said(phrase, text, words) for phrase in group) for group in groups):
                return label
        return None


def _said(phrase: str, text: str, words: tuple[str, ...]) -> bool:
    """A word of the reply (negated words, ¬油, are not), or a longer phrase inside it not right after 不/没/别.
    One character must be a whole word: 干 is not said in 干净."""
    if phrase in words:
        return True
    if len(phrase) < 2:
        return False
    at = text.find(phrase)
    return at >= 0 and not (at and text[at - 1] in _NEGATING)


class Revealed:
    """Which codebook questions a statement answers by itself, in words that mean the same anywhere (the
    options' `mentions`: 我是油皮 → skin, 最近爆痘 → concern), about her (not 我老公油皮). The `reveals` rule:
    asked 可以问你几个小问题吗, 我是油皮 想控油 is a yes (the answers are recorded before the rules run)."""

    def __init__(self, normalize: Normalizer, codebook: Codebook) -> None:
        self.mentions = [(n, question) for phrase, question, _ in codebook.mentions() if (n := normalize(phrase))]
        self.others = Others(codebook.others, normalize)

    def questions(self, result: Result) -> set[str]:
        if result.question:
            return set()  # 我是油皮，怎么控油: a question to answer, not an answer to ours
        hers = "，".join(self.others.split(text)[0] for text in (result.normalized, result.heard) if text)
        return {question for phrase, question in self.mentions if phrase in hers}
