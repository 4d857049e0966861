"""Conversation test files (flows/tests/*.yaml) say every mistake at file:line:col, counted from 1 (new-operator
trial: `tests.0.steps.1.expct` counted from 0), an unknown key names the keys that can be written, a step that
expects what the content cannot give is an error (`profile: {stage: null}` passed whatever the bot did), and
`siyu check` reads them too (a broken test file was found only by `siyu test`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.tools.convtest_load import load_cases
from tests.cli_kit import run_siyu
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent

BAD_KEYS = """tests:
  - name: 打错了字段
    steps:
      - event: enter_session
      - say: 好呀
        expct: [icebreak.ask_name]
  - name: 第二个
    stepz: []
"""

BAD_REFERENCES = """tests:
  - name: 引用不存在的东西
    steps:
      - event: enter_session
        expect: [welcome, welcom.benefit, "faq:shiping_fee", "card:nosuch", kf_card, "~欢迎"]
      - say: 叫我小雨
        state: icebreak.ask_nam
        followup: seeds.car
        codes: {concren: null}
        profile: {opted_outt: null}
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_cases(path, bundled_content())
    return [str(p).replace(str(path), "bad.yaml") for p in caught.value.problems]


def test_a_mistake_in_a_test_file_is_counted_from_1_and_names_the_keys_allowed(tmp_path: Path) -> None:
    found = problems(tmp_path, BAD_KEYS)
    step, case = found[0], found[-1]
    assert step.startswith("bad.yaml:6:9: 第 1 个测试（打错了字段）第 2 步的 expct: 不认识的字段 “expct”"), found
    assert "能写的字段：say burst event" in step and "profile" in step and "tests.0" not in step, found
    assert case.startswith("bad.yaml:8:5: 第 2 个测试（第二个）的 stepz: 不认识的字段 “stepz”"), found
    assert "steps" in case and "channel" in case, found


def test_what_a_step_expects_must_exist_in_the_content(tmp_path: Path) -> None:
    found = problems(tmp_path, BAD_REFERENCES)
    where = "第 1 个测试（引用不存在的东西）"
    assert [p.split(": ", 1)[0] for p in found] == [
        "bad.yaml:5:27", "bad.yaml:5:43", "bad.yaml:5:62", "bad.yaml:7:16", "bad.yaml:8:19", "bad.yaml:9:17",
        "bad.yaml:10:19"], found
    assert f"{where}第 1 步的 expect 第 2 项: “welcom.benefit” 不是人设里的文案" in found[0]
    assert "是不是 welcome.benefit" in found[0]
    assert "没有 FAQ “shiping_fee”" in found[1] and "是不是 shipping_fee" in found[1]
    assert "没有商品 “nosuch”" in found[2] and "calm_serum" in found[2]
    assert f"{where}第 2 步的 state: 没有状态 “icebreak.ask_nam”" in found[3] and "icebreak.ask_name" in found[3]
    assert "没有跟进 “seeds.car”" in found[4] and "seeds.care" in found[4]
    assert "编码本里没有题目 “concren”" in found[5] and "concern" in found[5]
    assert "顾客档案没有字段 “opted_outt”" in found[6] and "opted_out" in found[6]


def test_the_bundled_tests_expect_only_what_exists() -> None:
    assert len(load_cases(ROOT / "flows" / "tests", bundled_content())) > 800


def test_siyu_check_reads_the_test_files(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge", "groups"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "flows" / "tests" / "zz_bad.yaml").write_text(BAD_KEYS, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    result = run_siyu("check", str(root), env=env)
    assert result.returncode == 1, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK ")  # the content itself loads: the bot can run, its tests cannot
    assert any(line.startswith("flows/tests/zz_bad.yaml:6:9: 第 1 个测试") for line in lines), lines
    assert any("对话测试: 3 个问题" in line for line in lines), lines
    (root / "flows" / "tests" / "zz_bad.yaml").unlink()
    result = run_siyu("check", str(root), env=env)
    assert result.returncode == 0 and "对话测试: " in result.stdout and "个测试，格式和引用都对" in result.stdout


def test_siyu_check_reads_them_when_the_content_does_not_load(tmp_path: Path) -> None:
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("tests"))
    (root / "flows" / "tests").mkdir()
    (root / "flows" / "tests" / "bad.yaml").write_text(BAD_KEYS, encoding="utf-8")
    faq = root / "knowledge" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("answer:", "answr:", 1), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    result = run_siyu("check", str(root), env=env)
    assert result.returncode == 1 and "answr" in result.stdout, result.stdout
    assert "flows/tests/bad.yaml:6:9: 第 1 个测试" in result.stdout, result.stdout


def test_siyu_check_names_content_files_it_does_not_read(tmp_path: Path) -> None:
    """flows/extra.yml, knowledge/more.yaml.txt (Notepad's hidden .txt): their content was silently missing."""
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("tests"))
    shutil.copy(root / "flows" / "icebreak.yaml", root / "flows" / "extra.yml")
    shutil.copy(root / "knowledge" / "faq.yaml", root / "knowledge" / "more.yaml.txt")
    (root / "flows" / "notes.txt").write_text("草稿", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    result = run_siyu("check", str(root), env=env)
    assert result.returncode == 1, result.stdout
    assert "flows/extra.yml:1:1: 这个文件没有被读取" in result.stdout and "改名为 extra.yaml" in result.stdout
    assert "knowledge/more.yaml.txt:1:1: 这个文件没有被读取" in result.stdout and "改名为 more.yaml" in result.stdout
    assert "notes.txt" not in result.stdout, result.stdout


def test_a_survey_question_under_profile_is_sent_to_codes(tmp_path: Path) -> None:
    """`profile: {stage: null}` in two bundled tests checked nothing: stage is a survey question (codes)."""
    found = problems(tmp_path, "tests:\n  - name: x\n    steps:\n      - say: 孕妇能用A醇吗\n        profile: {stage: null}\n")
    assert found == ["bad.yaml:5:19: 第 1 个测试（x）第 1 步的 profile: 顾客档案没有字段 “stage”；"
                     "stage 是编码本的题目：写在 codes 里（codes: {stage: …}）"], found
