"""What a message reveals about her skin, anywhere in a conversation: the codebook's `mentions` (爆痘 → 痘痘)
and `together` (夏天油冬天干 → 混合肌), each phrase said as whole words and not negated
(understanding/phrases.py), and only what she says about herself (not 我老公油皮, profile/others.py).

The same reading fills the survey before it asks (engine/sales.py), lets a reply to "may I ask" answer a
question (the `reveals` rule) and tells a complaint's concern (engine/care.py). A question one of its
`mentions` answers is not inferred from `together` (油皮，冬天有点干 is 油皮, as she says).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.profile.codebook import Codebook, Move
from bot.profile.others import Others
from bot.understanding.phrases import Phrases, Said

THIRD_PERSON = re.compile("(?<!其)[她他]")  # a change said of her or him (她生完了) is not hers; 其他 is no one


class Mentions:
    def __init__(self, codebook: Codebook, normalize: Callable[[str], str], phrases: Phrases) -> None:
        self.mentions = [(n, question, code) for phrase, question, code in codebook.mentions()
                         if (n := normalize(phrase))]
        self.together = [(question, code, [[n for n in map(normalize, group) if n] for group in option.together])
                         for question, spec in codebook.questions.items()
                         for code, option in spec.options.items() if option.together]
        self.moves = [(n, question, move) for phrase, question, move in codebook.moves() if (n := normalize(phrase))]
        self.ordered = [(question, number, move) for question, spec in codebook.questions.items()
                        for number, move in enumerate(spec.moves)]
        self.others = Others(codebook.others, normalize)
        self.acquaintances = [n for n in map(normalize, codebook.acquaintances) if n]
        self.phrases = phrases

    def found(self, text: str) -> list[tuple[str, str, str]]:
        """(phrase, question, code) for every mention the normalised text says, about anyone, longest first."""
        return self._mentioned(self.phrases.read(text))

    def answers(self, text: str) -> list[tuple[str, str, str]]:
        """(question, code, phrase): one answer per question the normalised text reveals about her."""
        said = self.phrases.read(self.others.split(text)[0])
        found: dict[str, tuple[str, str, str]] = {}
        for phrase, question, code in self._mentioned(said):
            found.setdefault(question, (question, code, phrase))
        for question, code, groups in self.together:
            words = [next((word for word in group if word in said), "") for group in groups]
            if question not in found and all(words):
                found[question] = (question, code, "+".join(words))
        return list(found.values())

    def moved(self, text: str) -> list[tuple[str, Move, str]]:
        """(question, move, phrase): the changes the normalised text says of her (生完了, 断奶了; not 我姐生完了, nor
        我朋友生完了 / 她生完了: a text naming an acquaintance of the codebook or 她 / 他 says none),
        each move once with its longest phrase said, in the codebook's order (the first whose `when` holds is the
        one that applies: 生完了 没喂母乳 is the not-nursing move written before 生完了's, evidence.apply_reading)."""
        if any(word in text for word in self.acquaintances) or THIRD_PERSON.search(text):  # 我朋友生完了, 她生完了
            return []
        said = self.phrases.read(self.others.split(text)[0])
        found: dict[int, tuple[str, Move, str]] = {}
        for phrase, question, move in self.moves:
            if phrase in said:
                found.setdefault(id(move), (question, move, phrase))
        order = {id(move): number for number, (_, _, move) in enumerate(self.ordered)}
        return sorted(found.values(), key=lambda item: order[id(item[1])])

    def theirs(self, text: str) -> dict[str, str]:
        """question → code the normalised text says about someone else (送男朋友 油皮: skin 油皮), not about her."""
        _, theirs = self.others.split(text)
        found: dict[str, str] = {}
        for _, question, code in self._mentioned(self.phrases.read(theirs)) if theirs else ():
            found.setdefault(question, code)
        return found

    def _mentioned(self, said: Said) -> list[tuple[str, str, str]]:
        return [(phrase, question, code) for phrase, question, code in self.mentions if phrase in said]
