"""siyu eval --engine: labelled lines through the whole bot, each as a new customer's first message
(bot/tools/engine_eval.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml

from bot.engine.library import Library
from bot.tools.engine_eval import EngineEvaluation
from bot.understanding.evaluation import LabelledSet
from tests.cli_kit import run_siyu

ROOT = Path(__file__).resolve().parent.parent


def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "set.yaml"
    path.write_text(yaml.safe_dump({
        "in_scope": {"shipping_fee": ["包邮吗"], "order_status": ["我的快递到哪了"],
                     # the matcher alone misses it; the whole bot says the emergency answer and hands her over
                     "severe_reaction": ["涂完脸一下子肿起来了 嗓子发紧 呼吸有点困难"],
                     "return_policy": ["一个礼拜"],  # no goodbye, nothing understood
                     "contact_phone": ["怎么找真人客服"]},  # handed to a person: another answer
        "out_of_scope": ["今天天气真好", "用了一个礼拜"],
        "several": [{"q": "包邮吗 几天能到", "expect": ["shipping_fee", "shipping_arrival"]}],
    }, allow_unicode=True), encoding="utf-8")
    return path


def test_each_line_is_sorted_by_what_the_bot_said(tmp_path: Path) -> None:
    report = asyncio.run(EngineEvaluation(Library.load(ROOT)).run(LabelledSet.load(labelled(tmp_path))))
    assert (report.in_scope, report.out_of_scope, report.several) == (5, 2, 1)
    assert (report.right, report.other, report.unsure) == (3, 1, 1), report.failures
    assert report.false == 0 and report.several_right == 1, report.failures
    assert [f for f in report.failures if "一个礼拜" in f and "goodbye" in f] == []


def test_siyu_eval_engine_prints_the_table(tmp_path: Path) -> None:
    done = run_siyu("eval", "--engine", "--set", str(labelled(tmp_path)), "--failures")
    done.check_returncode()
    assert "说了标注的那条回答" in done.stdout and "误答（用 FAQ 回答了）" in done.stdout
    assert "该回答 “一个礼拜”" in done.stdout
