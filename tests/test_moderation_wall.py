"""One message that is a short piece typed over and over is flooding by itself (knowledge/moderation.yaml `wall`;
group_chat_blind7.tsv's first reading missed 1111…, 顶顶顶…, [炸弹]×20 and 领红包×10)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.moderation import Detector, load_moderation

ROOT = Path(__file__).resolve().parent.parent
CONTENT = load_moderation(ROOT / "knowledge", ROOT)
assert CONTENT is not None
DETECTOR = Detector(CONTENT)


@pytest.mark.parametrize("text", ["1111111111111111111111111111", "顶顶顶顶顶顶顶顶顶顶顶顶顶顶顶顶顶顶",
                                  "[炸弹]" * 20, "领红包" * 10, "啊 啊 啊 啊 啊 啊 啊 啊 啊 啊 啊 啊 啊 啊 啊 啊"])
def test_a_wall_of_one_piece_is_flooding(text: str) -> None:
    verdict = DETECTOR.judge_text(text)
    assert verdict.violation and verdict.category == "flood", verdict


@pytest.mark.parametrize("text", ["哈" * 30, "谢谢" * 10, "6" * 20, "[强]" * 6, "为什么" * 6, "顶顶顶", "好好好好好",
                                  "啊啊啊啊啊 终于抢到了啊啊啊啊啊啊啊啊"])
def test_laughter_applause_insistence_and_short_runs_are_not(text: str) -> None:
    assert not DETECTOR.judge_text(text).violation


def test_a_wall_rule_written_wrong_is_refused_where_it_is(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge", ignore=shutil.ignore_patterns("tests"))
    for folder in ("flows", "persona", "groups"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, tmp_path / folder)
    path = tmp_path / "knowledge" / "moderation.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  min_repeats: 8\n", "  min_repeats: 1\n"), encoding="utf-8")
    line = next(n for n, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "min_repeats: 1" in t)
    result = subprocess.run([sys.executable, "-m", "bot", "check", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1
    assert f"knowledge/moderation.yaml:{line}:" in result.stdout + result.stderr


@pytest.mark.parametrize("text", ["便宜面膜找我 " * 8, "🧧" * 30 + "扫码抢红包" + "🧧" * 30, "哈" * 150,
                                  "[炸弹]" * 20 + "看这里"])
def test_a_long_phrase_a_decorated_line_and_endless_laughter_are_walls(text: str) -> None:
    verdict = DETECTOR.judge_text(text)
    assert verdict.violation and verdict.category == "flood", verdict


@pytest.mark.parametrize("text", ["怎么啦" * 15 + "又怎么啦", "喂" + "~" * 40, "要看" * 30 + "~~~", "？" * 20,
                                  "生日快乐🎂🎂🎂🎂", "哈" * 90])
def test_words_that_do_not_fill_the_message_and_punctuation_are_not(text: str) -> None:
    assert not DETECTOR.judge_text(text).violation
