"""The features of a message's content words, which the index weighs (see analysis.py for how words are found).

Content gives four kinds of features: the word itself (w|), its characters (c|), character pairs inside a word
and across neighbouring content words (b|), and the same pairs as sound keys (s|, pinyin, see sound.py), which
is what recovers typos. A negated word (¬退) gives negated features, so it no longer matches 退.
"""

from __future__ import annotations

import itertools

from bot.understanding.sound import Sounds

NEGATED = "¬"
# How much one feature of each kind counts before rarity: a whole word is the strongest evidence, a
# character the weakest; a pair that only sounds the same counts less than the same characters.
# A question kind asked (多久 → how_long) weighs between a pair of characters and a whole word.
FACTORS = {"w": 1.0, "b": 0.6, "c": 0.6, "s": 0.4, "k": 0.75}
WORD_CACHE = 200_000  # words whose features are kept (a 100k-phrasing base uses far fewer)


class Features:
    """Runs of content words → feature → factor (before rarity); a word's features are computed once."""

    def __init__(self, sounds: Sounds) -> None:
        self.sounds = sounds
        self._by_word: dict[str, dict[str, float]] = {}
        self._by_pair: dict[str, tuple[str, str]] = {}  # 油皮 → (b|油皮, s|you pi): a pair across two words

    def __call__(self, runs: list[list[str]]) -> dict[str, float]:
        features: dict[str, float] = {}
        pair_factor, sound_factor = FACTORS["b"], FACTORS["s"]
        by_pair = self._by_pair
        for run in runs:
            previous = ""
            for word in run:
                features.update(self._word_features(word))
                if previous and not (previous.isascii() or word.isascii()):  # the pair across two words
                    pair = previous[-1] + word.removeprefix(NEGATED)[0]
                    names = by_pair.get(pair) or self._pair(pair)
                    mark = NEGATED if previous[0] == NEGATED or word[0] == NEGATED else ""
                    features[mark + names[0]] = pair_factor
                    features[mark + names[1]] = sound_factor
                previous = word
        return features

    def _pair(self, pair: str) -> tuple[str, str]:
        """The pair feature and the sound-pair feature of two characters (kept): b|油皮, s|you pi."""
        names = self._by_pair[pair] = "b|" + pair, "s|" + self.sounds.key(pair[0]) + " " + self.sounds.key(pair[1])
        if len(self._by_pair) > WORD_CACHE:
            del self._by_pair[pair]
        return names

    def _word_features(self, word: str) -> dict[str, float]:
        """A word's own features (itself, its characters, the pairs inside it), kept once computed."""
        found = self._by_word.get(word)
        if found is not None:
            return found
        mark, bare = (NEGATED, word[1:]) if word[0] == NEGATED else ("", word)
        key = self.sounds.key
        found = {mark + "w|" + bare: FACTORS["w"]}
        if bare.isascii():  # vc, spf, refund: a Latin word is one piece of evidence, its letters none
            return found
        for char in bare:
            found["c|" + mark + char] = FACTORS["c"]
        for left, right in itertools.pairwise(bare):
            found[mark + "b|" + left + right] = FACTORS["b"]
            found[mark + "s|" + key(left) + " " + key(right)] = FACTORS["s"]
        if len(self._by_word) < WORD_CACHE:
            self._by_word[word] = found
        return found
