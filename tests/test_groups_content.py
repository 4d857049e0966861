"""groups/types.yaml and groups/ladder.yaml: every mistake reported as file:line, and types by chat/name/owner."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from bot.groups.content import load_groups
from bot.groups.library import GroupLibrary
from bot.moderation.message import Action, Severity
from bot.moderation.spec import Category
from tests.groups_kit import sample_groups

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge", "groups"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def problems_of(root: Path) -> list[str]:
    content = load_content(root)
    with pytest.raises(ContentError) as raised:
        load_groups(content.root, content.personas, content.rules, content.default_persona)
    return [str(p) for p in raised.value.problems]


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "groups" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_sample_loads_and_types_groups_by_chat_name_and_owner() -> None:
    groups = sample_groups()
    assert set(groups.types.types) == {"daily", "flash", "precise", "super_user"}
    assert groups.type_of("wr1", "快闪第3期", "x") == "flash"  # a pattern with *
    assert groups.type_of("wr1", "痘痘肌2群", "x") == "precise"
    assert groups.type_of("wr1", "SVIP超级用户群", "x") == "super_user"  # a piece of the name
    assert groups.type_of("wr1", "随便什么群", "x") == "daily"  # the default
    assert groups.welcome_texts["daily"].startswith("欢迎 %NICKNAME% 来到小丸子的")  # {self} in her voice
    pinned = groups.types.model_copy(update={"types": {
        **groups.types.types,
        "flash": groups.types.types["flash"].model_copy(update={"match": groups.types.types["flash"].match.model_copy(
            update={"chat_ids": ["wrPinned"], "owners": ["flashowner"]})})}})
    from dataclasses import replace

    typed = replace(groups, types=pinned)
    assert typed.type_of("wrPinned", "SVIP超级用户群", "x") == "flash"  # the chat id wins over the name
    assert typed.type_of("wr2", "某个群", "flashowner") == "flash"  # the owner when the name says nothing


@pytest.mark.parametrize(("name", "old", "new", "expected"), [
    ("types.yaml", "default: daily", "default: weekly", "groups/types.yaml:13:10: default 指向不存在的群类型 “weekly”"),
    ("types.yaml", "    moderation: strict", "    moderation: harsh",
     "groups/types.yaml:40:17: flash: ladder.yaml 里没有审核方案 “harsh”"),
    ("types.yaml", "欢迎 %NICKNAME% 加入快闪群", "欢迎 %nickname% 加入快闪群",
     "昵称占位符要写成 %NICKNAME%（大小写敏感）"),
    ("types.yaml", "欢迎 %NICKNAME% 加入快闪群", "欢迎 {name} 加入快闪群", "欢迎语里只能用 {self} 和 %NICKNAME%，不认识 {name}"),
    ("types.yaml", "有疑问直接在群里问", "赶紧下单，有疑问直接在群里问", "flash: 强推销用语 “赶紧下单”"),
    ("types.yaml", "有疑问直接在群里问", "全网第一的福利，有疑问直接在群里问", "绝对化用语 “全网第一”，广告法不允许"),
    ("types.yaml", "有疑问直接在群里问", "🔥有疑问直接在群里问", "表情 🔥 不在人设的 style.emoji 里"),
    ("types.yaml", "      link:\n", "      image: {media_id: M1}\n      link:\n", "入群欢迎语只能带一个附件，这里有 2 个: image, link"),
    ("types.yaml", "        url: https://example.com/siyu/guide", "        url: example.com/guide",
     "groups/types.yaml:27:14: types.daily.welcome.link.url: 应为网址，以 https:// 或 http:// 开头"),
    ("types.yaml", '      names: ["快闪*"]', '      names: ["*"]', "会匹配所有群，请写具体一点"),
    ("types.yaml", "    notify: [owner]\n\n  flash:", "    notify: [owner, staff]\n\n  flash:",
     "daily: notify 里有 staff，但没有写 staff 名单"),
    ("types.yaml", "persona: xiaowanzi", "persona: xiaoming", "groups/types.yaml:14:10: 没有人设 persona/xiaoming.yaml"),
    ("types.yaml", "  flash:", "  Flash-Group:", "类型 id “Flash-Group” 只能用小写英文字母、数字和下划线"),
    ("ladder.yaml", "  window_days: 30", "  window_days: 0", "ladder.window_days: 应不小于 1，现在写的是 0"),
    ("ladder.yaml", "    - [notify_owner]", "    - [notify_boss]", "ladder.steps.0.0: 只能是 notify_owner / ask_removal / tag / alert / blacklist，现在写的是 “notify_boss”"),
    ("ladder.yaml", "  per_minute: 20", "  per_minute: 45", "groups/ladder.yaml:48:15: notices.per_minute: 应不大于 30，现在写的是 45"),
    ("ladder.yaml", "{reason}：{what}\\n这是他", "{reason_name}：{what}\\n这是他", "notices.texts.notice: 不认识的变量 {reason_name}"),
    # the owner reads what the customer did, never the detector's rule id or its score
    ("ladder.yaml", "{reason}：{what}\\n这是他", "{reason}：{what}\\n命中规则 {rule}（{explanation}）\\n这是他",
     "groups/ladder.yaml:53:13: notices.texts.notice: {explanation} 是打分细节，群主看不懂；用 {reason}"),
    ("ladder.yaml", "digest_line: \"· {group}｜{customer}｜{reason}｜", "digest_line: \"· {group}｜{customer}｜{rule}｜",
     "notices.texts.digest_line: {rule} 是规则名，群主看不懂"),
    ("ladder.yaml", "    keyword_what: ", "    keyword_when: ", "notices.texts.keyword_when: 不认识的字段"),
    ("ladder.yaml", "  notify_owner: 先留意一下", "  kick: 踢了\n  notify_owner: 先留意一下", "suggestions: 没有动作 “kick”"),
    ("ladder.yaml", "    min_severity: medium", "    min_severity: 2", "profiles.relaxed.min_severity: 只能是 low / medium / high，现在写的是 2"),
    ("ladder.yaml", "tag:\n  group: 社群风控", "tag:\n  colour: red\n  group: 社群风控", "tag.colour: 不认识的字段"),
])
def test_every_mistake_names_file_and_line(content_dir: Path, name: str, old: str, new: str, expected: str) -> None:
    edit(content_dir, name, old, new)
    problems = problems_of(content_dir)
    assert any(expected in problem for problem in problems), problems
    assert all(problem.startswith(f"groups/{name}:") for problem in problems)


def test_a_welcome_over_3000_bytes(content_dir: Path) -> None:
    edit(content_dir, "types.yaml", "有疑问直接在群里问", "有疑问直接在群里问" + "很长" * 600)
    [problem] = problems_of(content_dir)
    assert problem.startswith("groups/types.yaml:37:13: flash: 欢迎语 ") and "字节，企业微信上限 3000 字节" in problem


def test_missing_files_and_syntax_errors(content_dir: Path) -> None:
    (content_dir / "groups" / "ladder.yaml").unlink()
    assert problems_of(content_dir) == ["groups/ladder.yaml:1:1: 缺少文件 ladder.yaml"]
    (content_dir / "groups" / "ladder.yaml").write_text("profiles: [\n", encoding="utf-8")
    assert problems_of(content_dir)[0].startswith("groups/ladder.yaml:1:11: YAML 语法错误: 方括号 [ ] 没有配对")


def test_content_without_groups_is_valid_and_unmoderated(content_dir: Path) -> None:
    shutil.rmtree(content_dir / "groups")
    assert GroupLibrary.load(load_content(content_dir)).current is None


def test_a_broken_reload_keeps_the_running_groups_content(content_dir: Path) -> None:
    content = load_content(content_dir)
    library = GroupLibrary.load(content)
    assert library.current is not None
    version = library.current.version
    edit(content_dir, "types.yaml", "有疑问直接在群里问", "有什么疑问直接在群里问")
    assert library.reload(content) and library.current.version != version
    good = library.current.version
    edit(content_dir, "types.yaml", "default: daily", "default: nothing")
    assert not library.reload(content) and library.current.version == good


def test_siyu_check_reports_groups_problems(content_dir: Path) -> None:
    edit(content_dir, "types.yaml", "    moderation: strict", "    moderation: harsh")
    result = subprocess.run([sys.executable, "-m", "bot", "check", str(content_dir)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert "groups/types.yaml:40:17: flash: ladder.yaml 里没有审核方案 “harsh”" in result.stdout


def test_categories_are_checked_against_the_detection_rules(content_dir: Path) -> None:
    content = load_content(content_dir)
    categories = {name: Category(label=name, reason=f"发了{name}", action=Action.WARN, severity=Severity.LOW)
                  for name in ("ad", "contact", "link", "fraud", "gambling", "porn", "illegal", "abuse", "flood")}
    assert load_groups(content.root, content.personas, content.rules, None, categories) is not None
    edit(content_dir, "ladder.yaml", "    severe: [fraud, porn, gambling, illegal]\n  strict",
         "    severe: [fraud, scam]\n  strict")
    edit(content_dir, "ladder.yaml", "keyword_rules: {}", "keyword_rules:\n  r1: {name: 骗子, category: swindle}")
    with pytest.raises(ContentError) as raised:
        load_groups(content.root, content.personas, content.rules, None, categories)
    problems = [str(p) for p in raised.value.problems]
    assert any("profiles.standard.severe: 没有类别 “scam”" in p for p in problems)
    assert any("keyword_rules.r1: 没有类别 “swindle”" in p for p in problems)
