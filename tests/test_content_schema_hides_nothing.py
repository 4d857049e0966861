"""A schema error in a content file does not hide the file's other mistakes: `siyu check` reports every mistake
of knowledge/moderation.yaml, knowledge/matching.yaml and groups/ in one run, each once with file:line:col
(a clean-clone trial fixed a bad `wall.min_length` and only then learnt of an unknown category in the same
file). What an entry left out for its own mistake defines is still there for the rest of the file to name."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.cli_kit import run_siyu
from tests.content_kit import edit

ROOT = Path(__file__).resolve().parent.parent
MODERATION, MATCHING = "knowledge/moderation.yaml", "knowledge/matching.yaml"
LADDER, TYPES = "groups/ladder.yaml", "groups/types.yaml"


def line_of(root: Path, file: str, needle: str) -> int:
    """The line that is `needle` (but for its indentation and comment), counted from 1."""
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.split(" #")[0].strip() == needle)


def reported(root: Path) -> list[str]:
    """The problem lines of `siyu check ROOT`, which must refuse the content."""
    done = run_siyu("check", str(root))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if line.startswith(("knowledge/", "groups/", "flows/",
                                                                          "persona/"))]


def test_a_schema_error_in_moderation_does_not_hide_an_unknown_category_elsewhere_in_the_file(content: Path) -> None:
    edit(content, MODERATION, "  min_length: 16\n  longest_piece: 8", "  min_length: 2\n  longest_piece: 8")  # wall
    edit(content, MODERATION, "  - id: gambling_weak\n    category: gambling", "  - id: gambling_weak\n    category: gamblin")
    lines = reported(content)
    wall, category = line_of(content, MODERATION, "min_length: 2"), line_of(content, MODERATION, "category: gamblin")
    assert lines == [f"{MODERATION}:{category}:15: 没有类别 “gamblin”：categories 里没有定义它；是不是 gambling / link？",
                     f"{MODERATION}:{wall}:15: wall.min_length: 应不小于 4，现在写的是 2"], lines


def test_what_an_entry_with_a_mistake_defines_is_not_reported_missing_in_moderation(content: Path) -> None:
    """porn's reason is blank and ad_medium's weight out of range: each is reported for its own mistake, but
    porn is still a category the porn word lists name and ad_medium still a rule warnings.ignore names."""
    edit(content, MODERATION, "  porn: {label: 色情, reason: 发了色情信息, ", "  porn: {label: 色情, reason: ' ', ")
    edit(content, MODERATION, "  - id: ad_medium\n    category: ad\n    weight: 2",
         "  - id: ad_medium\n    category: ad\n    weight: 200")
    edit(content, MODERATION, "  - id: rumor_weak\n", "  - id: rumor\n")  # and an id written twice
    lines = reported(content)
    assert len(lines) == 3, lines
    porn = line_of(content, MODERATION, "porn: {label: 色情, reason: ' ', action: alert, severity: high}")
    assert any(f":{porn}:" in line and "categories.porn.reason" in line for line in lines), lines
    assert any(f":{line_of(content, MODERATION, 'weight: 200')}:" in line and "ad_medium" in line for line in lines), lines
    assert any("规则 id “rumor” 重复了（第一条在 knowledge/moderation.yaml:" in line for line in lines), lines


def test_a_schema_error_in_matching_does_not_hide_a_wrong_faq_id_in_it(content: Path) -> None:
    edit(content, MATCHING, "  window_days: 7 ", "  window_days: -7 ")
    edit(content, MATCHING, "  check: [order_status]", "  check: [order_stats]")
    lines = reported(content)
    days, check = line_of(content, MATCHING, "window_days: -7"), line_of(content, MATCHING, "check: [order_stats]")
    assert lines == [f"{MATCHING}:{check}:11: 没有 id 为 “order_stats” 的 FAQ；是不是 order_status / bottle_lasts？",
                     f"{MATCHING}:{days}:16: delivered.window_days: 应不小于 1，现在写的是 -7"], lines


def test_schema_errors_in_groups_do_not_hide_wrong_categories_or_profiles(content: Path) -> None:
    shutil.copytree(ROOT / "groups", content / "groups")
    edit(content, LADDER, "  per_minute: 20", "  per_minute: -1")
    edit(content, LADDER, "    severe: [fraud, porn, gambling, illegal]\n  strict:",
         "    severe: [fraud, porn, gamblin, illegal]\n  strict:")
    edit(content, TYPES, "    notify: [owner]", "    notify: [ownr]")  # daily
    edit(content, TYPES, "    moderation: strict", "    moderation: strictt")  # flash
    edit(content, TYPES, "    moderation: standard\n    notify: [owner]\n\n  super_user:",
         "    moderation: standard\n    notify: [owner]\n    nottify: [owner]\n\n  super_user:")  # precise
    lines = reported(content)
    assert [line.split(": ")[0] for line in lines] == [
        f"{LADDER}:{line_of(content, LADDER, 'severe: [fraud, porn, gamblin, illegal]')}:27",
        f"{LADDER}:{line_of(content, LADDER, 'per_minute: -1')}:15",
        f"{TYPES}:{line_of(content, TYPES, 'notify: [ownr]')}:14",
        f"{TYPES}:{line_of(content, TYPES, 'moderation: strictt')}:17",
        f"{TYPES}:{line_of(content, TYPES, 'nottify: [owner]')}:5"], lines
    assert "没有类别 “gamblin”" in lines[0] and "“strictt”" in lines[3], lines
    # precise (left out for its unknown field) is still a type, and standard still a profile: nothing else is said


def test_rules_are_not_said_missing_when_the_section_defining_them_is_not_a_list(content: Path) -> None:
    """`words:` written as a mapping is one mistake: warnings.ignore and requires, naming its lists, are not
    reported rule by rule as missing."""
    edit(content, MODERATION, "\nwords:\n", "\nwords: {}\nwordz:\n")
    lines = reported(content)
    assert len(lines) == 2 and all("没有规则" not in line for line in lines), lines
    assert lines[0].startswith(f"{MODERATION}:{line_of(content, MODERATION, 'words: {}')}:"), lines
    assert lines[1].startswith(f"{MODERATION}:{line_of(content, MODERATION, 'wordz:')}:") and "wordz" in lines[1], lines
