"""Moderation content mistakes are reported at file:line:col, by the loader and by `siyu check`; operator
lexicons (word<TAB>category files) load with their categories mapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from bot.moderation import Detector, load_moderation
from tests.cli_kit import run_siyu
from tests.content_kit import edit

ROOT = Path(__file__).resolve().parent.parent


def problems(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_moderation(root / "knowledge", root)
    return [str(p) for p in caught.value.problems]


def line_of(root: Path, file: str, needle: str, occurrence: int = 1) -> int:
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return [i for i, line in enumerate(lines, start=1) if needle in line][occurrence - 1]


MODERATION = "knowledge/moderation.yaml"


def test_the_bundled_rules_load_into_the_content(content: Path) -> None:
    loaded = load_content(content)
    assert loaded.moderation is not None and loaded.moderation.model is not None
    assert loaded.moderation.judge_text("加V：abc12345").violation


def test_no_moderation_file_means_no_moderation(content: Path) -> None:
    (content / MODERATION).unlink()
    assert load_moderation(content / "knowledge", content) is None
    assert load_content(content).moderation is None


@pytest.mark.parametrize(("old", "new", "needle", "expected"), [
    ("  - id: ad_strong\n    category: ad\n", "  - id: ad_strong\n    category: advert\n", "category: advert",
     "没有类别 “advert”"),
    ("  - id: ad_weak\n", "  - id: ad_strong\n", "id: ad_strong#2", "重复了（第一条在 knowledge/moderation.yaml:"),
    ("  - id: abuse\n", "  - id: link\n", "id: link", "内置规则的名字"),
    ("words: [傻逼,", "words: [滚, 傻逼,", "words: [滚, 傻逼,", "只有一个字"),
    ("words: [傻逼,", "words: [❤❤, 傻逼,", "words: [❤❤, 傻逼,", "什么也不剩"),
    ("words: [傻逼,", "words: [傻逼, 傻 逼,", "words: [傻逼, 傻 逼,", "重复了（规范化后相同）"),
    ('    "✚": 加\n', '    "✚": 加加\n', '"✚": 加加', "只能一个字符换一个字符"),
    ("    requires: [invite, contact_id, contact_invite]", "    requires: [invite, contact_idd]", "contact_idd",
     "没有规则 “contact_idd”"),
    ("  weight: 2\n  disguised_weight: 3", "  weight: two\n  disguised_weight: 3", "weight: two",
     "phones.weight"),
    ("    拐: 7\n", "    拐: 77\n", "拐: 77", "应不大于 9"),
    ("    勾: 9\n", "    勾勾: 9\n", "勾勾: 9", "最多 1 个字"),
    ("  ignore: [ad_strong,", "  ignore: [ad_strongg,", "ignore: [ad_strongg,", "没有规则 “ad_strongg”"),
    ("  roles: [staff, allowlisted]", "  roles: [staff, vip]", "roles: [staff, vip]", "不认识的角色 “vip”"),
    ("  file: moderation_model.tsv", "  file: missing_model.tsv", "file: missing_model.tsv", "找不到模型文件"),
    ("    - {probability: 0.7, weight: 1}\n    - {probability: 0.9, weight: 2}",
     "    - {probability: 0.9, weight: 2}\n    - {probability: 0.7, weight: 1}", "bands:", "从小到大"),
    ("flood:\n  category: flood", "flood:\n  category: flood\n  seconds_: 3", "seconds_", "不认识的字段"),
    ("threshold: 3", "threshold: 3\n\tbad: 1", "\tbad", "YAML 语法错误"),
    # every category says, in the content, what the owner is told (a rule without a reason of its own uses it)
    ("  fraud: {label: 诈骗, reason: 发了像诈骗的信息（刷单返利、让人转账之类）, ", "  fraud: {label: 诈骗, ", "  fraud: {",
     "categories.fraud.reason"),
    ("  porn: {label: 色情, reason: 发了色情信息, ", "  porn: {label: 色情, reason: ' ', ", "  porn: {",
     "不能是空的：群主的通知里要用它"),
    ("  reason: 在群里拉人加他微信\n", "  reason: '  '\n", "reason: '  '", "reason 不能只有空格"),
])
def test_each_mistake_is_reported_where_it_was_made(content: Path, old: str, new: str, needle: str,
                                                    expected: str) -> None:
    edit(content, MODERATION, old, new)
    found = problems(content)
    text, _, occurrence = needle.partition("#")
    line = line_of(content, MODERATION, text, int(occurrence or 1))
    assert any(expected in p and p.startswith(f"{MODERATION}:") for p in found), found
    assert any(expected in p and abs(int(p.split(":")[1]) - line) <= 2 for p in found), (found, line)


def test_a_broken_model_file_is_reported_at_its_own_line(content: Path) -> None:
    model = content / "knowledge" / "moderation_model.tsv"
    lines = model.read_text(encoding="utf-8").splitlines()
    lines[20] = "优惠\tnot-a-number"
    lines[21] = "no tab here"
    model.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems(content)
    assert any(p.startswith("knowledge/moderation_model.tsv:21:") and "不是有效的数值" in p for p in found), found
    assert any(p.startswith("knowledge/moderation_model.tsv:22:") and "两个字段" not in p for p in found), found


def test_siyu_check_reports_moderation_mistakes_and_passes_clean_content(content: Path) -> None:
    ok = run_siyu("check", str(content))
    assert ok.returncode == 0, ok.stderr
    assert "群审核" in ok.stdout
    edit(content, MODERATION, "  - id: porn_strong\n    category: porn\n", "  - id: porn_strong\n    category: prn\n")
    broken = run_siyu("check", str(content))
    assert broken.returncode == 1
    line = line_of(content, MODERATION, "category: prn")
    assert f"{MODERATION}:{line}:" in broken.stdout and "没有类别 “prn”" in broken.stdout


# -- operator lexicons -----------------------------------------------------------------------------------
LEXICON_RULE = """
lexicons:
  - id: bought
    file: {file}
    categories:
      色情: {{category: porn, weight: 3}}
      广告: {{category: ad, weight: 1}}
    max: 3
"""


def with_lexicon(root: Path, lines: str, *, file: str = "operator.tsv", optional: bool = False) -> Path:
    (root / "knowledge" / file).write_text(lines, encoding="utf-8")
    rule = LEXICON_RULE.format(file=file)
    if optional:
        rule = rule.replace("    max: 3\n", "    max: 3\n    optional: true\n")
    with (root / MODERATION).open("a", encoding="utf-8") as out:
        out.write(rule)
    return root


def test_an_operator_lexicon_maps_its_categories_to_weights(content: Path) -> None:
    with_lexicon(content, "# 采购的词库\n陪聊服务\t色情\n买\t广告\n团购价\t广告\ncasino\t赌博\nzzz\t广告\n")
    loaded = load_moderation(content / "knowledge", content)
    assert loaded is not None
    detector = Detector(loaded)
    verdict = detector.judge_text("提供陪聊服务")
    assert verdict.violation and verdict.rule == "bought" and verdict.category == "porn"
    weak = detector.judge_text("团购价多少")
    assert [(e.rule, e.weight) for e in weak.evidence] == [("bought", 1)] and not weak.violation
    assert not detector.judge_text("我想买").evidence  # one character: dropped
    assert not detector.judge_text("casino night").evidence  # category not mapped and no default
    assert not [e for e in detector.judge_text("zzzz").evidence if e.rule == "bought"]  # latin needs edges
    assert [e.rule for e in detector.judge_text("zzz!").evidence] == ["bought"]


def test_a_malformed_lexicon_line_is_reported_at_file_line(content: Path) -> None:
    with_lexicon(content, "好词\t广告\n坏行没有制表符\n")
    found = problems(content)
    assert any(p.startswith("knowledge/operator.tsv:2:1:") for p in found), found


def test_a_missing_lexicon_is_an_error_unless_optional(content: Path) -> None:
    with_lexicon(content, "x\t广告\n", file="gone.tsv")
    (content / "knowledge" / "gone.tsv").unlink()
    found = problems(content)
    line = line_of(content, MODERATION, "file: gone.tsv")
    assert any(p.startswith(f"{MODERATION}:{line}:") and "找不到词库文件" in p for p in found), found


def test_an_optional_missing_lexicon_is_skipped(content: Path) -> None:
    with_lexicon(content, "x\t广告\n", file="maybe.tsv", optional=True)
    (content / "knowledge" / "maybe.tsv").unlink()
    loaded = load_moderation(content / "knowledge", content)
    assert loaded is not None and loaded.lexicons == {}
    assert Detector(loaded).judge_text("加V：abc12345").violation


def test_a_lexicon_may_live_outside_the_content_folder(content: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.tsv"
    outside.write_text("陪聊服务\t色情\n", encoding="utf-8")
    with_lexicon(content, "", file="unused.tsv")
    edit(content, MODERATION, "file: unused.tsv", f"file: {outside}")
    loaded = load_moderation(content / "knowledge", content)
    assert loaded is not None
    assert Detector(loaded).judge_text("陪聊服务").category == "porn"


def test_by_default_a_bought_lexicon_only_nudges(content: Path) -> None:
    (content / "knowledge" / "bought.tsv").write_text("陪聊服务\t色情\n", encoding="utf-8")
    with (content / MODERATION).open("a", encoding="utf-8") as out:
        out.write("\nlexicons:\n  - id: bought\n    file: bought.tsv\n    default: {category: porn, weight: 3}\n")
    loaded = load_moderation(content / "knowledge", content)
    assert loaded is not None
    verdict = Detector(loaded).judge_text("提供陪聊服务")
    assert not verdict.violation and verdict.score == 1  # capped by the lexicon's default max of 1
    assert Detector(loaded).judge_text("陪聊服务，加我微信").violation  # together with an invitation


def test_an_operator_adds_a_homophone_of_a_digit(content: Path) -> None:
    text = "电话 衣三八 衣衣 耳伞 四五六九"  # 衣 (yī) for 1: not in the bundled table
    bundled = load_content(content).moderation
    assert bundled is not None and not bundled.judge_text(text).violation
    edit(content, MODERATION, "    妖: 1\n", "    妖: 1\n    衣: 1\n")
    detector = load_content(content).moderation
    assert detector is not None
    verdict = detector.judge_text(text)
    assert verdict.violation and verdict.rule == "phone", verdict.explain()
    assert not detector.judge_text("衣服买了两件，三八节活动").violation
