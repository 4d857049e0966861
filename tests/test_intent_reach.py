"""Intent detection compares a short message only with the examples it can reach (intents.py `_reachable`): the
same intents, at the same scores, as comparing it with every example."""

from __future__ import annotations

import random

from rapidfuzz import fuzz, process

from tests.content_cache import bundled_understanding


def test_the_reachable_examples_find_what_all_examples_find() -> None:
    understanding = bundled_understanding()
    intents = understanding.intents
    texts = list(intents.examples)
    rng = random.Random(7)
    alphabet = "".join(sorted(set("".join(texts))))
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(300)]
    texts += [text[: rng.randint(1, len(text))] + rng.choice(alphabet) for text in intents.examples]
    checked = 0
    for text in texts:
        for threshold in (60.0, 85.0, 100.0):
            everything = process.extract(text, intents.examples, scorer=fuzz.ratio, processor=None, limit=5,
                                         score_cutoff=threshold)
            examples, owners = intents._reachable(len(text), threshold)
            reached = process.extract(text, examples, scorer=fuzz.ratio, processor=None, limit=5,
                                      score_cutoff=threshold)
            assert [(e, s, intents.example_owner[i]) for e, s, i in everything] == \
                [(e, s, owners[i]) for e, s, i in reached], text
            checked += bool(everything)
    assert checked > len(intents.examples)  # most texts reach some example: the comparison is not empty
