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


def test_file_problems(root: Path, content: Content | None) -> tuple[int, int, list[Problem]]:
    """(files, tests, problems) of the conversation tests in root/flows/tests, read, not run: their structure, and
    when the content loaded, what they expect of it (bot/tools/convtest_load.py). `siyu test` would refuse them."""
    from bot.tools.convtest_load import read_test_file

    files = sorted((root / "flows" / "tests").glob("*.yaml"))
    tests = 0
    problems: list[Problem] = []
    for path in files:
        cases, found = read_test_file(path, path.relative_to(root).as_posix(), content)
        tests += len(cases)
        problems += found
    return len(files), tests, sorted(problems)


def report_tests(root: Path, content: Content | None) -> bool:
    """Print what test_file_problems found (one line when all is well); True when there were problems."""
    files, tests, problems = test_file_problems(root, content)
    for problem in problems:
        print(problem)
    if problems:
        print(f"   对话测试: {len(problems)} 个问题（flows/tests/，siyu test 不会运行这些文件；"
              "机器人本身不读它们）")
    elif files:
        print(f"   对话测试: {files} 个文件 / {tests} 个测试，格式和引用都对（siyu test 运行它们）")
    return bool(problems)


_FOLDERS = ("flows", "flows/tests", "persona", "knowledge", "knowledge/tests", "groups")


def misnamed(root: Path) -> list[Problem]:
    """Content files no command reads, for their name: `extra.yml`, `Welcome.YAML`, `faq.yaml.txt` (Notepad adds .txt
    and Windows hides it). Their flows, keys and answers were silently missing."""
    problems = []
    for folder in _FOLDERS:
        for path in sorted((root / folder).glob("*")):
            name = path.name
            base = name[:-4] if name.lower().endswith(".txt") else name
            if not path.is_file() or name.endswith(".yaml") or not base.lower().endswith((".yml", ".yaml")):
                continue
            right = base.rsplit(".", 1)[0] + ".yaml"
            problems.append(Problem(f"{folder}/{name}", 1, 1, f"这个文件没有被读取：只读扩展名是 .yaml（小写）的文件，"
                                                              f"把它改名为 {right}"))
    return problems
