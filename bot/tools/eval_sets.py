"""The labelled sets `siyu eval` reads (knowledge/tests/*.yaml, or `--set FILE`), checked before they are scored.

A set is read loosely for scoring (bot/understanding/evaluation.py: LabelledSet.load), so a mistake in one used to
score as nothing: `cases:` for `in_scope:` evaluated 0 questions and printed 0.0% with exit code 0, an FAQ id
written wrong counted its questions as missed, and a YAML mistake said PyYAML's English. Here each is one line
at file:line:col, and nothing is scored. Only structure, ids and counts are said, never a set's sentences (the
blind sets are read for their totals only).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from pydantic import Field, StrictInt

from bot.content.schema import Strict
from bot.content.source import ContentError, Path_, Problem, load_document, validate
from bot.content.suggest import maybe


class Several(Strict):
    q: str | StrictInt  # true / false are no questions (lax int took them as 1 and 0)
    expect: list[str] = Field(min_length=1)


class LabelledFile(Strict):
    in_scope: dict[str, list[str | StrictInt]] = Field(default_factory=dict)  # FAQ id → questions it should answer
    out_of_scope: list[str | StrictInt] = Field(default_factory=list)  # what no FAQ should answer
    several: list[Several] = Field(default_factory=list)  # a message asking several things → the FAQ ids


def set_problems(path: Path, faq_ids: Collection[str]) -> list[Problem]:
    """Why the set at path cannot be scored as written (empty when it can)."""
    display = str(path)
    try:
        document = load_document(path, display)
        labelled = validate(LabelledFile, document)
    except ContentError as error:
        return error.problems
    problems = []
    for entry in labelled.in_scope:
        if entry not in faq_ids:
            problems.append(document.key_problem(("in_scope", entry), f"in_scope: 没有 id 是 “{entry}” 的 FAQ"
                                                                      f"{maybe(entry, faq_ids, cutoff=0.6)}"))
    blank: list[Path_] = [("in_scope", entry, index) for entry, queries in labelled.in_scope.items()
             for index, query in enumerate(queries) if not str(query).strip()]
    blank += [("out_of_scope", index) for index, query in enumerate(labelled.out_of_scope) if not str(query).strip()]
    blank += [("several", index, "q") for index, item in enumerate(labelled.several) if not str(item.q).strip()]
    for where in blank:  # scored, an empty line counted as a miss of the bot: nobody sends one
        problems.append(document.problem(where, "这一句是空的：写上顾客的话，或者删掉这一项"))
    for number, item in enumerate(labelled.several):
        for index, entry in enumerate(item.expect):
            if entry not in faq_ids:
                problems.append(document.problem(("several", number, "expect", index),
                                                 f"several 第 {number + 1} 项的 expect: 没有 id 是 “{entry}” 的 FAQ"
                                                 f"{maybe(entry, faq_ids, cutoff=0.6)}"))
    if not problems and not (labelled.in_scope or labelled.out_of_scope or labelled.several):
        problems.append(Problem(display, 1, 1, "标注集里一句也没有：写 in_scope（FAQ id → 问句）、out_of_scope"
                                               "（不该回答的话）或 several（一句问几件事）"))
    return problems
