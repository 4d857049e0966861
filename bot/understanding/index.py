"""Rarity-weighted evidence between a message and every FAQ phrasing (docs/understanding.md).

Every feature (word, character, character pair, sound pair, question kind; see analysis.py) weighs
    rarity × factor,   rarity = ln(1 + (N − n + 0.5) / (n + 0.5))   (BM25's idf)
where N is the number of FAQ entries and n the number of entries using the feature; a feature no entry
uses weighs as if one entry did not exist (n = 0). For a message q and a phrasing p:
    coverage of q = weight(q ∩ p) / weight(q)      how much of what the customer said p explains
    coverage of p = weight(q ∩ p) / weight(p)      how much of p the customer said
    score = 100 × √(coverage of q × coverage of p) × kind agreement × negation agreement
Both coverages are shares, so a score means the same for a 50-entry base and a 50,000-entry one.
A message reaches only the phrasings that share a feature with it (an inverted index, rarest features
first), and only the best few are scored exactly.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import cast

from bot.understanding.analysis import NEGATED, Analysis

CANDIDATES = 32  # phrasings scored exactly per message
EXPLAINED = 3  # candidates that carry the words they share with the message
COMMON_POSTINGS = 300  # a feature used by more phrasings only counts for candidates rarer features found
COMMON_WALK = 1500  # phrasings looked at when a message has nothing but such common features
KIND_CLASH = 0.72  # 发货多久 against 怎么发货: same topic, another question
ENTRY_KIND_CLASH = 0.9  # 会员等级在哪看 against the keyword 会员等级: no phrasing of the entry asks 在哪
NEGATION_CLASH = 0.5  # 想退 against 不想退了
STATEMENT_CLASH = 0.85  # 我到了 (says something) against 几天到 (asks): measured on real personal SMS
QUERY_SHARE = 0.5  # weight of "how much of the message the entry explains" against "how much of p was said"
UNKNOWN_SHARE = 0.5  # a feature no entry uses (香港, 开车) weighs half the rarest known one
CEILING_MARGIN = 1e-9  # relative: far above the rounding of a sum of a few dozen weights
KEYWORD_PART = 0.85  # 有没有果酸 against the keyword 果酸换肤: a keyword of several words, only some of them said
_NOTHING: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Scored:
    entry: str
    score: float  # 0-100
    matched: str  # the phrasing (or keyword) that scored best
    evidence: tuple[str, ...]  # the words both share, rarest first


def _rarity(entries: int, using: int) -> float:
    return math.log(1 + (entries - using + 0.5) / (using + 0.5))


def _kind(feature: str) -> str:
    return feature.removeprefix(NEGATED)[0]


def _opposite(feature: str) -> str:
    """c|退 ↔ c|¬退: the same character with the other polarity."""
    if feature.startswith("c|" + NEGATED):
        return "c|" + feature[3:]
    return "c|" + NEGATED + feature[2:]


def _split_counts(features: list[tuple[int, ...]], numbers: list[int], size: int) -> list[int]:
    """How many entries use each feature when an entry's phrasings are not all together: one more each time a
    phrasing of another entry than the last one counted uses it (as ever)."""
    using, last = [0] * size, [-1] * size
    for number, fids in zip(numbers, features, strict=True):
        for fid in fids:
            if last[fid] != number:
                last[fid] = number
                using[fid] += 1
    return using


class Index:
    def __init__(self, docs: Iterable[tuple[str, str, Analysis]], factors: dict[str, float],
                 keywords: frozenset[tuple[str, str]] = frozenset(), any_kind: frozenset[str] = frozenset()) -> None:
        """docs: (entry id, original phrasing, its analysis), the phrasings of one entry together; `keywords`:
        the (entry id, phrasing) pairs that are keywords — a keyword of several words counts in full only
        when the message says every one of them (KEYWORD_PART); `any_kind`: entries no kind of question
        clashes with through their other phrasings (ENTRY_KIND_CLASH)."""
        self.ids: dict[str, int] = {}
        self.whole: list[frozenset[int]] = []  # a keyword's words, when it has several
        self.owners: list[str] = []
        self.texts: list[str] = []
        self.kinds: list[frozenset[str]] = []
        self.features: list[tuple[int, ...]] = []
        numbers: list[int] = []  # each phrasing's entry, numbered
        owner_numbers: dict[str, int] = {}
        ids = self.ids
        get = ids.get
        # one object for each set of kinds, and one empty `whole`: at 100k phrasings a set each was 45 MB
        kinds_shared: dict[frozenset[str], frozenset[str]] = {}
        using = Counter[int]()  # feature → entries using it, counted an entry at a time (in C)
        entry_features: set[int] = set()
        together = True  # every entry's phrasings one after the other (else `using` is counted again below)
        for owner, text, analysis in docs:
            number = owner_numbers.setdefault(owner, len(owner_numbers))
            if numbers and number != numbers[-1]:
                using.update(entry_features)
                entry_features = set()
                together = together and number == len(owner_numbers) - 1
            numbers.append(number)
            found = list(map(get, analysis.features))
            if None in found:  # features met for the first time
                for place, feature in enumerate(analysis.features):
                    if found[place] is None:
                        found[place] = ids[feature] = len(ids)
            fids = cast(list[int], found)
            entry_features.update(fids)
            self.owners.append(owner)
            self.texts.append(text)
            self.kinds.append(kinds_shared.setdefault(analysis.kinds, analysis.kinds))
            self.features.append(tuple(fids))
            words = _NOTHING
            if (owner, text) in keywords:
                words = frozenset(ids[f"{word[0]}w|{word[1:]}" if word[0] == NEGATED else "w|" + word]
                                  for word in analysis.words)
            self.whole.append(words if len(words) > 1 else _NOTHING)
        using.update(entry_features)
        asked: dict[str, set[str]] = {}
        for owner, kinds in zip(self.owners, self.kinds, strict=True):
            asked.setdefault(owner, set()).update(kinds)
        # what each entry is asked; `any_kind` entries (emergencies) answer whatever kind of question is around them
        self.entry_kinds = {owner: frozenset() if owner in any_kind else frozenset(kinds)
                            for owner, kinds in asked.items()}
        self.entries = max(1, len(owner_numbers))
        self.unknown_rarity = _rarity(self.entries, 0) * UNKNOWN_SHARE
        self.factors = factors
        names = list(ids)
        self.names = names
        counts = ([using[f] for f in range(len(names))] if together
                  else _split_counts(self.features, numbers, len(names)))
        self.weights = [_rarity(self.entries, n) * factors[_kind(name)] for name, n in zip(names, counts, strict=True)]
        weight_of = self.weights.__getitem__
        self.totals = [sum(map(weight_of, fids)) or 1.0 for fids in self.features]  # the same sums, in the same order
        listed = [name[0] not in "ck" for name in names]  # single characters and question kinds only refine the score
        postings: dict[int, list[int]] = {}
        for position, features in enumerate(self.features):
            for fid in features:
                if listed[fid]:
                    postings.setdefault(fid, []).append(position)
        self.postings = postings
        self.sizes = {fid: len(found) for fid, found in postings.items()}
        # c|退 → (c|¬退, its id) when the index has c|¬退: a message saying 退 clashes with the phrasings saying ¬退
        self.opposed = {_opposite(name): (name, fid) for name, fid in ids.items() if name.startswith("c|")}
        self.word_of = {fid: name[2:] for name, fid in ids.items() if name.startswith("w|")}  # the evidence shown
        # the smallest total weight of a phrasing each feature reaches (see ceiling)
        total_of = self.totals.__getitem__
        self.lightest = {fid: min(map(total_of, found)) for fid, found in postings.items()}
        self._lightest_with: dict[int, list[int]] = {}  # a common feature → its CANDIDATES lightest phrasings

    def __len__(self) -> int:
        return len(self.owners)

    def known_share(self, query: Analysis) -> float:
        """The share of the query's content words that some phrasing uses (negated or not)."""
        words = [word.removeprefix(NEGATED) for word in query.words]
        ids = self.ids
        known = sum(1 for word in words if "w|" + word in ids or "w|" + NEGATED + word in ids)
        return known / len(words) if words else 0.0

    def positions(self, owner_prefix: str) -> frozenset[int]:
        return frozenset(p for p, owner in enumerate(self.owners) if owner.startswith(owner_prefix))

    def ceiling(self, query: Analysis) -> float:
        """A score no phrasing reaches for this query in search(): at most all of the query's known evidence
        is explained, and a phrasing says no more than that share of its own weight (the lightest phrasing
        a posting of the query reaches). Exact arithmetic bounds search's; the margin covers its rounding."""
        ids, weights, lightest = self.ids, self.weights, self.lightest
        known = total = 0.0
        lightest_reached = math.inf
        for feature, factor in query.features.items():
            fid = ids.get(feature)
            if fid is None:
                total += self.unknown_rarity * factor
            else:
                known += weights[fid]
                total += weights[fid]
                lightest_reached = min(lightest_reached, lightest.get(fid, math.inf))
        if lightest_reached == math.inf:
            return 0.0  # no posting reached: search() finds nothing
        explained, said = known / total, min(1.0, known / lightest_reached)
        ceiling: float = 100 * explained ** QUERY_SHARE * said ** (1 - QUERY_SHARE) * (1 + CEILING_MARGIN)
        return ceiling

    def search(self, query: Analysis, among: frozenset[int] | None = None, *, statement: bool = False,
               limit: int | None = None) -> list[Scored]:
        """Every entry a phrasing of which shares evidence with the query, best first (only `among`
        those phrasings when given; only the best `limit` entries when given). `statement`: the message asks
        nothing, so a phrasing that asks a kind of question (几天到) fits it less than one that does not (到货了)."""
        ids, weights = self.ids, self.weights
        known: dict[int, float] = {}
        total = 0.0
        for feature, factor in query.features.items():
            fid = ids.get(feature)
            if fid is None:
                total += self.unknown_rarity * factor
            else:
                known[fid] = weights[fid]
                total += weights[fid]
        if not known:
            return []
        features_said, opposed = query.features, self.opposed
        clash = {opposite[1] for f in features_said
                 if (opposite := opposed.get(f)) is not None and opposite[0] not in features_said}
        gathered: dict[int, float] = {}  # position → the weight of the features that found it
        first: list[int] = []  # the first feature's positions, while it is the only one: all weigh the same
        first_weight, first_fid = 0.0, -1
        postings, sizes = self.postings, self.sizes
        for fid in sorted((f for f in known if f in sizes), key=sizes.__getitem__):
            found = postings[fid] if among is None else [p for p in postings[fid] if p in among]
            if len(found) > COMMON_POSTINGS:
                if first or gathered:
                    break  # the rest are commoner still; the exact score below counts them anyway
                found = found[:COMMON_WALK]  # a message of common words only: a bounded look
            weight = known[fid]
            if not (first or gathered):
                first, first_weight, first_fid = found, weight, fid
                continue
            if not gathered:
                gathered = dict.fromkeys(first, first_weight)  # 0.0 + weight, in the same order
            # each position once per posting: gathered[p] = gathered.get(p, 0.0) + weight, in C
            gathered.update(zip(found, map(weight.__add__, map(gathered.get, found, repeat(0.0))), strict=True))
        if not gathered:  # one feature (能退吗: one common word, 1,500 phrasings): all weigh the same, so the ones
            # that say the least besides it are scored (一瓶能用多久: the keyword 能用多久), not the first in file order
            if len(first) <= CANDIDATES:
                shortlist = first
            elif among is None:  # the same for every message whose one feature this is: worked out once
                known_lightest = self._lightest_with.get(first_fid)
                if known_lightest is None:
                    known_lightest = self._lightest_with[first_fid] = heapq.nsmallest(
                        CANDIDATES, postings[first_fid], key=self.totals.__getitem__)
                shortlist = known_lightest
            else:
                shortlist = heapq.nsmallest(CANDIDATES, first, key=self.totals.__getitem__)
        elif len(gathered) <= CANDIDATES:
            shortlist = list(gathered)
        else:  # heapq.nlargest's documented equivalent (ties keep their order), and faster at any size here
            shortlist = sorted(gathered, key=gathered.__getitem__, reverse=True)[:CANDIDATES]
        # Sums run over the same sets in the same order as ever, so every score is the same to the last bit.
        weight_of = weights.__getitem__
        owners, features, totals, kinds_of, whole = self.owners, self.features, self.totals, self.kinds, self.whole
        query_ids = set(known)
        shared_by: list[tuple[int, str, set[int], float]] = []
        union: dict[str, set[int]] = {}
        for position in shortlist:
            shared = query_ids.intersection(features[position])
            owner = owners[position]
            shared_by.append((position, owner, shared, sum(map(weight_of, shared))))
            found_by = union.get(owner)
            if found_by is None:
                union[owner] = set(shared)
            else:
                found_by.update(shared)
        query_share, phrasing_share = QUERY_SHARE, 1 - QUERY_SHARE
        explained = {owner: (sum(map(weight_of, found)) / total) ** query_share for owner, found in union.items()}
        best: dict[str, tuple[float, int, set[int]]] = {}
        query_kinds, entry_kinds = query.kinds, self.entry_kinds
        for position, owner, shared, matched in shared_by:
            said = matched / totals[position]
            score = 100 * explained[owner] * (said if said < 1.0 else 1.0) ** phrasing_share
            if query_kinds:
                kinds = kinds_of[position]
                if kinds and query_kinds.isdisjoint(kinds):
                    score *= KIND_CLASH
                elif not kinds and (asked := entry_kinds[owner]) and query_kinds.isdisjoint(asked):
                    score *= ENTRY_KIND_CLASH
            elif statement and kinds_of[position]:
                score *= STATEMENT_CLASH
            if clash and not clash.isdisjoint(features[position]):
                score *= NEGATION_CLASH
            if whole[position] and not whole[position] <= query_ids:
                score *= KEYWORD_PART  # 果酸 is not 果酸换肤, nor 祛斑 激光祛斑: the keyword was not said
            held = best.get(owner)
            if held is None or held[0] < score:
                best[owner] = (score, position, shared)
        ranked = sorted(best.items(), key=lambda item: item[1][0], reverse=True)
        if limit is not None:
            del ranked[limit:]
        texts = self.texts
        return [Scored(owner, score, texts[position], self._evidence(shared) if rank < EXPLAINED else ())
                for rank, (owner, (score, position, shared)) in enumerate(ranked)]

    def _evidence(self, shared: set[int]) -> tuple[str, ...]:
        word_of = self.word_of
        words = sorted((f for f in shared if f in word_of), key=self.weights.__getitem__, reverse=True)  # stable
        return tuple(map(word_of.__getitem__, words))
