"""`siyu check`: every content file and groups/ in one run, so an operator fixes everything in one round."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.content.source import ContentError, Problem, oversized
from bot.content.typos import phrase_comma_warnings
from bot.engine.content import Content, build_content
from bot.engine.draft import read_draft
from bot.groups.content import GroupContent, load_groups


def check_all(root: Path, persona: str | None = None) -> tuple[Content, GroupContent | None]:
    """The content and groups/ of root; ContentError with the problems of both (and the draft's note)."""
    draft = read_draft(root, persona)
    problems: list[Problem] = list(draft.problems)
    groups = None
    moderation = draft.moderation
    moderation_read = "knowledge/moderation.yaml" not in draft.unread
    categories = moderation.spec.categories if moderation is not None and moderation_read else None
    try:
        groups = load_groups(draft.root, {name: p for name, (p, _) in draft.personas.items()}, draft.rules,
                             draft.default_persona, categories,
                             {path.stem for path in (draft.root / "persona").glob("*.yaml")})
    except ContentError as error:
        problems.extend(error.problems)
    if problems:
        raise ContentError(problems, draft.note())
    return build_content(draft), groups


def comma_warnings(root: Path) -> list[Problem]:
    """Questions and examples that a full-width comma may have run together (a warning: the content loads).
    A file that cannot be read or parsed is skipped: check_all reports it."""
    warnings: list[Problem] = []
    for folder in ("knowledge", "flows", "persona", "groups"):
        for path in sorted((root / folder).glob("*.yaml")):
            if oversized(path) is not None:
                continue
            try:
                node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            if node is not None:
                display = path.relative_to(root).as_posix()
                warnings.extend(Problem(display, *spot) for spot in phrase_comma_warnings(node))
    return warnings
