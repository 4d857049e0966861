"""Which option of a survey question (a state's `ask`) the customer chose.

By number or code (3, D, 选D; 4 to a lettered question is its fourth option), by a synonym, by a synonym said
inside the reply (as whole words, not negated: 很干 is not said in 很干净, 出油 not in 不怎么出油;
understanding/phrases.py), or by every word of one said (想好好解决一下 has 解决, the word of 想解决; 不想解决 has
not). A codebook question also understands "don't
know" (the `unknown` option). An answer about someone else (我老公油皮: the codebook's `others`) is not hers:
it is the `someone_else` option, and only what she says about herself chooses a real one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.engine.flows import SOMEONE_ELSE, UNKNOWN_OPTION, Ask
from bot.profile.codebook import Codebook
from bot.profile.mentions import Mentions
from bot.profile.others import Others
from bot.understanding.matcher import Decision, Result
from bot.understanding.naming import ProductNames
from bot.understanding.normalize import Normalizer, clauses
from bot.understanding.phrases import Phrases, Said

_PARTICLES = "啊呀吧哦呢嘛啦哈～~"
_CODE_FRAMES = re.compile(r"^(?:我)?(?:选|是|答)?([0-9a-z]{1,3})(?:吧|哦|呀|啊|的|号|项|个|哈)?$")


class OptionMatcher:
    def __init__(self, ask: Ask, normalize: Normalizer, codebook: Codebook,
                 understand: Callable[[str], Result] | None = None, phrases: Phrases | None = None,
                 names: ProductNames | None = None) -> None:
        question = codebook.questions.get(ask.code or "")
        self.names = names  # the catalogue's names: a word of an answer said inside one is no answer
        self.phrases = phrases or Phrases(normalize)
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
        lettered = all(code.isalpha() and len(code) == 1 for code, _, _ in choices)
        for number, (code, label, synonyms) in enumerate(choices, 1):
            self.exact[normalize(code) or code] = label
            if lettered:
                self.exact[str(number)] = label  # A-D asked, 1 answered: the first option (she counted)
            for phrase in (label, *synonyms):
                normalized = normalize(phrase)
                if normalized:
                    self.exact.setdefault(normalized, label)
                    if len(normalized) >= 2:
                        self.inside.append((normalized, label))
        self.inside.sort(key=lambda item: len(item[0]), reverse=True)
        self.unknown = sorted({n for n in map(normalize, unknown) if n}, key=len, reverse=True)
        self.degrees = sorted({n for n in map(normalize, codebook.degrees) if n}, key=len, reverse=True)
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
        if self.names is not None and self.understand is not None and text:
            rest = self.names.without(text, self.understand(text).heard)  # 保湿水多少钱: the product, not 缺水
            if rest != text:
                text, words = rest, self._words(rest)
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
        bare = text.rstrip(_PARTICLES)  # 斑啊, 干呀: a one-character answer with a particle after it
        if bare != text and bare in self.exact:
            return self.exact[bare]
        framed = _CODE_FRAMES.match(text)
        if framed and framed.group(1) in self.exact:
            return self.exact[framed.group(1)]
        plain = self.plain(text)  # 有点干, 偏油, 挺敏感的: a degree and an answer
        if plain != text and plain in self.exact:
            return self.exact[plain]
        said = self.phrases.read(text)
        inferred = self._together(said)
        if inferred is not None:
            return inferred
        for phrase, label in self.inside:
            if phrase in said:  # 不想解决 is not 想解决, 很干净 is not 很干
                return label
        if any(phrase in text for phrase in self.unknown):
            return UNKNOWN_OPTION
        if words:
            found = {label for needed, label in self.by_words if needed <= set(words)}
            if len(found) == 1:
                return found.pop()
        return None

    def plain(self, text: str) -> str:
        """The reply without the degree words before it (the codebook's `degrees`: 有点, 比较, 偏) and the particles
        after it: 有点干 → 干, 我皮肤偏油 is no such reply (皮肤 stays)."""
        rest, before = text.removeprefix("我").removeprefix("是"), None  # 我是干皮, 我偏油
        while rest != before:
            before = rest
            rest = next((rest[len(d):] for d in self.degrees if rest.startswith(d) and len(rest) > len(d)), rest)
        return rest.rstrip(_PARTICLES + "的了") or text

    def whole(self, text: str) -> str | None:
        """The option a reply is as a whole (its code, label or one of its answers, with a degree word or a particle
        at most: 有点干, 油皮, 混合的) — never one said inside a longer reply, nor unknown."""
        for said in (text, text.rstrip(_PARTICLES), self.plain(text)):
            if said in self.exact and not (said.isascii() and said.isalnum()):
                return self.exact[said]
        return None

    def _together(self, said: Said) -> str | None:
        """An option whose `together` groups each have a word said (夏天油冬天干: 油 and 干 → 混合肌) — unless
        the reply names exactly one option itself (油皮，冬天有点干 is 油皮, as she says)."""
        if not self.together:
            return None
        named = {label for phrase, label in self.said_labels if phrase in said}
        if len(named) == 1:
            return None
        for label, groups in self.together:
            if all(any(phrase in said for phrase in group) for group in groups):
                return label
        return None


class Revealed:
    """Which codebook questions a statement answers by itself, in words that mean the same anywhere (the
    options' `mentions` and `together`: 我是油皮 → skin, 最近爆痘 → concern), about her (not 我老公油皮;
    profile/mentions.py). The `reveals` rule: asked 可以问你几个小问题吗, 我是油皮 想控油 is a yes (the answers are
    recorded before the rules run)."""

    def __init__(self, normalize: Normalizer, codebook: Codebook, phrases: Phrases | None = None,
                 understand: Callable[[str], Result] | None = None) -> None:
        self.mentions = Mentions(codebook, normalize, phrases or Phrases(normalize))
        self.understand = understand
        self.wholes = [(question, OptionMatcher(Ask(code=question), normalize, codebook, understand, phrases))
                       for question, spec in codebook.questions.items()
                       if any(option.mentions for option in spec.options.values())]

    def questions(self, result: Result) -> set[str]:
        if self._asks(result):
            return set()  # 我是油皮，怎么控油: a question to answer, not an answer to ours
        texts = {result.normalized, result.heard} - {""}  # as typed and with typos corrected (敏敢肌)
        found = {question for text in texts for question, _, _ in self.mentions.answers(text)}
        whole = self.whole(result.heard or result.normalized)
        return found | {whole[0]} if whole is not None and not result.question else found

    def whole(self, text: str) -> tuple[str, str] | None:
        """(question, label): the first question with `mentions` (the codebook's order, the survey's) whose
        option the reply is as a whole, with a degree word at most: 有点干 is 干皮, as at the skin question
        itself (engine/other_question.py records it)."""
        for question, matcher in self.wholes:
            label = matcher.whole(text) if text else None
            if label is not None and label not in (UNKNOWN_OPTION, SOMEONE_ELSE):
                return question, label
        return None

    def _asks(self, result: Result) -> bool:
        """A question of hers; 可以，我是油皮 is none: the clause that asks is a bare yes (可以 holds the cue of
        "can"), so the message is a yes and her skin."""
        parts = clauses(result.text)
        if not result.question or self.understand is None or len(parts) < 2:
            return result.question
        return any(r.question and not _yes_or_no(r) for r in map(self.understand, parts))


def _yes_or_no(result: Result) -> bool:
    return (result.has_intent("affirm") or result.has_intent("deny")) and not result.words \
        and result.decision is Decision.MISS
