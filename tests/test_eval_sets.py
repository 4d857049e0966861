"""A labelled set written wrong is refused at file:line by `siyu eval`, not scored as nothing (new-operator trial:
`cases:` for `in_scope:` printed 0 句 / 0.0% and exit code 0; an FAQ id written wrong counted as misses)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli_kit import run_siyu

ROOT = Path(__file__).resolve().parent.parent


def siyu_eval(path: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    result = run_siyu("eval", "--content", str(ROOT), "--set", str(path), env=env)
    return result.returncode, result.stderr


def test_an_unknown_key_is_one_line_at_its_place(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("cases:\n  shipping_fee: [包邮吗]\n", encoding="utf-8")
    code, said = siyu_eval(path)
    assert code == 1 and f"{path}:1:1: cases: 不认识的字段 “cases”" in said, said


def test_an_faq_id_that_does_not_exist_is_named(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("in_scope:\n  shiping_fee: [包邮吗]\nseveral:\n  - q: 包邮吗 几天到\n    expect: [shipping_fee, shiping_time]\n",
                    encoding="utf-8")
    code, said = siyu_eval(path)
    assert code == 1, said
    assert f"{path}:2:3: in_scope: 没有 id 是 “shiping_fee” 的 FAQ；是不是 shipping_fee" in said, said
    assert f"{path}:5:28: several 第 1 项的 expect: 没有 id 是 “shiping_time” 的 FAQ" in said, said


def test_an_empty_set_and_a_yaml_mistake_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("in_scope: {}\n", encoding="utf-8")
    code, said = siyu_eval(path)
    assert code == 1 and "标注集里一句也没有" in said, said
    path.write_text("in_scope:\n  shipping_fee: [包邮吗\n", encoding="utf-8")
    code, said = siyu_eval(path)
    assert code == 1 and "YAML 语法错误" in said and "while" not in said, said


def test_a_good_set_is_scored(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("in_scope:\n  shipping_fee: [包邮吗]\nout_of_scope: [今天天气不错]\n", encoding="utf-8")
    assert siyu_eval(path)[0] == 0


def test_an_empty_question_is_refused_at_its_place(tmp_path: Path) -> None:
    # attack15c: "" and "   " were scored, each as a line the bot did not answer
    path = tmp_path / "mine.yaml"
    path.write_text('in_scope:\n  shipping_fee: [包邮吗, "  "]\nout_of_scope: [""]\nseveral:\n  - q: ""\n'
                    '    expect: [shipping_fee]\n', encoding="utf-8")
    code, said = siyu_eval(path)
    assert code == 1, said
    assert said.count("这一句是空的") == 3 and f"{path}:2:" in said and f"{path}:3:" in said, said


def test_true_or_false_is_no_question(tmp_path: Path) -> None:
    # attack15c: `out_of_scope: [true]` was scored as the question "True" (pydantic's lax int took it for 1)
    path = tmp_path / "mine.yaml"
    path.write_text("in_scope:\n  shipping_fee: [包邮吗, 12345]\nout_of_scope: [true]\n", encoding="utf-8")
    code, said = siyu_eval(path)
    assert code == 1 and f"{path}:3:" in said, said
    assert f"{path}:2:" not in said, said  # a number is still a question (an order number sent alone)
