"""Index.ceiling bounds every score search() gives, so clauses that cannot reach `hit` need no search."""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import pytest

from bot.understanding.clause_reading import WHOLE_PHRASING, _about_the_clause_before
from bot.understanding.evaluation import LabelledSet, labelled_sets
from bot.understanding.matcher import Decision, Understanding
from bot.understanding.normalize import clauses
from tests.content_cache import bundled_understanding

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = bundled_understanding()


def _queries() -> list[str]:
    found: list[str] = []
    for _, path in labelled_sets(ROOT):
        labelled = LabelledSet.load(path)
        found += [q for q, _ in labelled.in_scope] + labelled.out_of_scope + [q for q, _ in labelled.several]
    return found


QUERIES = _queries()


def test_no_search_score_exceeds_the_ceiling() -> None:
    checked = 0
    for query in [*QUERIES, *(part for q in QUERIES for part in clauses(q))]:
        analysis = BUNDLED.analyze(BUNDLED.normalize(query))
        found = BUNDLED.index.search(analysis)
        ceiling = BUNDLED.index.ceiling(analysis)
        assert all(scored.score <= ceiling for scored in found), (query, ceiling, found[:1])
        checked += bool(found)
    assert checked > 300


def test_the_ceiling_is_tight_enough_to_rule_out_clauses() -> None:
    """有什么推荐 shares only 什么 with the knowledge base: it cannot be answered, and the ceiling says so."""
    hit = BUNDLED.thresholds.hit
    assert BUNDLED.index.ceiling(BUNDLED.analyze(BUNDLED.normalize("有什么推荐"))) < hit
    assert BUNDLED.index.ceiling(BUNDLED.analyze(BUNDLED.normalize("急"))) == 0.0
    assert BUNDLED.index.ceiling(BUNDLED.analyze(BUNDLED.normalize("包邮吗"))) >= hit


@functools.cache
def _reading(understanding: Understanding, part: str) -> tuple[bool, tuple[str, ...]] | None:
    """One clause searched on its own: whether it asks, and its answers; None unless it is answered. A clause
    reads the same in every message and for every (stories, least), so it is read once (the ~5k pairs share
    their clauses: reading them again for each was over half the test's time)."""
    normalized = understanding.normalize(part)
    found = understanding.search(part)[1]
    decision, answers, _, _ = understanding.decide(found)
    if decision is not Decision.ANSWER:
        return None
    best = found[0]
    entry = understanding.faq_by_id[best.entry]
    return (understanding._asks(part, normalized, understanding.analyze(normalized)) or (
        best.score >= WHOLE_PHRASING and (best.matched in entry.questions or entry.handover)), tuple(answers))


@functools.cache
def _carried(understanding: Understanding, part: str, before: tuple[str, ...],
             alone: tuple[str, ...]) -> tuple[str, ...]:
    normalized = understanding.normalize(part)
    return tuple(_about_the_clause_before(understanding, normalized, understanding.analyze(normalized), list(before),
                                          list(alone)))


def _every_clause_searched(understanding: Understanding, parts: list[str], stories: bool, least: int) -> list[str]:
    """Every clause searched: those that ask (a question, or a request saying one of its entry's questions:
    我要退款, or an after-sales case an entry that hands over has a keyword for: 发错了) count, with `stories` a statement answered right beside one too; [] unless `least` count and one
    asks."""
    told: dict[int, tuple[bool, tuple[str, ...]]] = {}
    for number, part in enumerate(parts):
        reading = _reading(understanding, part)
        if reading is not None:
            told[number] = reading
    for number in sorted(told):  # 积分怎么攒 会不会过期: the elliptical clause read with the topic before it, as ever
        if number - 1 in told:
            carried = _carried(understanding, parts[number], told[number - 1][1], told[number][1])
            if carried:
                told[number] = (told[number][0], carried)
    asking = {number for number, (asks, _) in told.items() if asks}
    counted = [n for n in sorted(told) if n in asking or (stories and {n - 1, n + 1} & asking)]
    answered: list[str] = []
    for number in counted:
        answered.extend(a for a in told[number][1] if a not in answered)
    return answered if asking and len(counted) >= least else []


@pytest.mark.timeout(240)  # every labelled set's messages, and ~5k pairs of them, twice each
def test_skipping_clauses_answers_as_searching_every_clause_would() -> None:
    messages = [q for q in QUERIES if len(clauses(q)) > 1]
    messages += ["，".join(pair) for pair in itertools.combinations(QUERIES[::9][:100], 2)]  # ~5k pairs: each set added grew it
    messages += ["脸上爆痘了 急 有什么推荐", "包邮吗？几天能到", "急 急 急", "推货 怎么弄，敏敢肌能用吗",
                 "买了一周了还没发货 我要退款"]
    several = single = 0
    for message in messages:
        parts = clauses(message)
        for stories, least in itertools.product((False, True), (1, 2)):  # least 1: a message about the shop
            expected = _every_clause_searched(BUNDLED, parts, stories, least)
            assert BUNDLED._clauses_answered(parts, least, stories=stories) == expected, (message, stories, least)
            several += len(expected) > 1
            single += len(expected) == 1 and least == 1
    assert several > 20
    assert single > 20


def test_a_story_beside_a_request_is_answered_a_story_alone_is_news() -> None:
    assert BUNDLED.understand("买了一周了还没发货 我要退款").answers == ["order_status", "refund_how"]
    assert BUNDLED.understand("买了一周了还没发货，怎么退款").answers == ["order_status", "refund_how"]
    assert BUNDLED.understand("到广州了，这是新号").decision is Decision.MISS
