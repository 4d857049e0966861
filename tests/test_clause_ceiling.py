"""Index.ceiling bounds every score search() gives, so clauses that cannot reach `hit` need no search."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.understanding.evaluation import LabelledSet, labelled_sets
from bot.understanding.knowledge import load_knowledge
from bot.understanding.matcher import Decision, Understanding
from bot.understanding.normalize import clauses

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = Understanding(load_knowledge(ROOT / "knowledge"))


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


def _every_clause_searched(understanding: Understanding, parts: list[str]) -> list[str]:
    """The clauses that ask, each searched (a clause that only says something is not one of the questions)."""
    answered: list[str] = []
    for part in parts:
        normalized = understanding.normalize(part)
        if not understanding._asks(part, normalized, understanding.analyze(normalized)):
            continue
        decision, answers, _, _ = understanding.decide(understanding.search(part)[1])
        if decision is Decision.ANSWER:
            answered.extend(a for a in answers if a not in answered)
    return answered


def test_skipping_clauses_answers_as_searching_every_clause_would() -> None:
    messages = [q for q in QUERIES if len(clauses(q)) > 1]
    messages += ["，".join(pair) for pair in itertools.combinations(QUERIES[::9], 2)]
    messages += ["脸上爆痘了 急 有什么推荐", "包邮吗？几天能到", "急 急 急", "推货 怎么弄，敏敢肌能用吗"]
    several = single = 0
    for message in messages:
        parts = clauses(message)
        expected = _every_clause_searched(BUNDLED, parts)
        got = BUNDLED._clauses_answered(parts)
        if len(expected) > 1:  # what understand() uses; one clause answered alone changes nothing
            assert got == expected, message
            several += 1
        else:
            assert len(got) <= 1, message
        alone = BUNDLED._clauses_answered(parts, least=1)  # a message about the shop: one clause may answer it
        assert alone == expected, message
        single += len(expected) == 1
    assert several > 20
    assert single > 20
