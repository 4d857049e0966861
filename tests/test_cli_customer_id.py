"""A customer id given to a command is read as the id, whatever whitespace came with it (attack14).

`siyu forget "wmX "` (an id pasted from a spreadsheet, or `$(cat id.txt)` of a file saved with CRLF, which
keeps the \\r) found nothing under "wmX ", said there was nothing to delete and exited 0 while everything
about wmX stayed: a deletion the customer asked for (PIPL) silently not done. `siyu forget ""` was a
traceback. The id is now stripped, and an empty one is one line and exit code 2, as argparse says any mistake.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from bot.store.base import Store
from tests.cli_kit import run_siyu
from tests.conftest import TEST_REDIS_URL


def siyu(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    return run_siyu(*args, env={**env, "REDIS_URL": TEST_REDIS_URL})


@pytest.mark.parametrize("pasted", ["wmPasted ", "wmPasted\r", " wmPasted\t", "\u3000wmPasted"])
def test_forget_erases_a_customer_whose_id_came_with_whitespace(redis_store: Store, pasted: str) -> None:
    assert siyu("purchase", "wmPasted", "--order", "o-1").returncode == 0  # something is kept about her
    result = siyu("forget", pasted)
    assert result.returncode == 0 and "已删除顾客 wmPasted 的全部数据" in result.stdout, result.stdout + result.stderr
    assert "没有要删除的" in siyu("forget", "wmPasted").stdout  # nothing is left


@pytest.mark.parametrize("command", [["forget"], ["profile"], ["why"], ["purchase"], ["moderation", "log", "--customer"]])
@pytest.mark.parametrize("empty", ["", "  ", "\r"])
def test_an_empty_customer_id_is_one_line_and_exit_code_2(redis_store: Store, command: list[str], empty: str) -> None:
    result = siyu(*command, empty)
    assert result.returncode == 2, (command, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "顾客 ID 是空的" in result.stderr
