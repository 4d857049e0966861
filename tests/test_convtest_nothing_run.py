"""`siyu test` that ran no conversation test fails, and says why (attack14).

`siyu test DIR` on a folder of tests saved as .yml (the glob reads *.yaml) or an empty folder printed
`0 通过, 0 失败` and exited 0: a CI step that checked nothing was green.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.cli_kit import run_siyu

ROOT = Path(__file__).resolve().parent.parent
CASE = "tests:\n  - name: 问包邮\n    steps:\n      - say: 包邮吗\n        expect: [faq.shipping_fee]\n"


def siyu(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    return run_siyu(*args, "--content", str(ROOT), env=env)


def test_a_folder_of_yml_tests_is_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "shipping.yml").write_text(CASE, encoding="utf-8")
    result = siyu("test", str(tmp_path))
    assert result.returncode == 1, result.stdout
    assert "没有找到对话测试" in result.stderr and "shipping.yml" in result.stderr


def test_an_empty_folder_is_not_a_pass(tmp_path: Path) -> None:
    result = siyu("test", str(tmp_path))
    assert result.returncode == 1 and "没有找到对话测试" in result.stderr


def test_the_same_test_as_yaml_runs() -> None:
    assert siyu("test", str(ROOT / "flows" / "tests" / "aftersales.yaml")).returncode == 0
