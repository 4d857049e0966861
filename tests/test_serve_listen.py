"""Where `siyu serve` listens: a mistake is one line at start-up and exit code 2, before anything runs (attack14).

SIYU_HOST was taken as written: `http://0.0.0.0` or `0.0.0.0:8080` went to the resolver (a minute of silence on a
machine without DNS, then a traceback), and a port another process holds (a second `siyu serve`, a leftover
one) was a traceback too, after the workers had started and taken queued events up.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings
from tests.wecom import AES_KEY, CORP_ID, TOKEN

ROOT = Path(__file__).resolve().parent.parent
BASE_ENV = {"WECOM_CORP_ID": "ww1", "WECOM_TOKEN": "tok", "WECOM_AES_KEY": AES_KEY, "WECOM_SECRET": "s"}


@pytest.mark.parametrize("host", ["http://0.0.0.0", "0.0.0.0:8080", "my host", "127.0.0.1/24"])
def test_a_listen_address_that_is_no_host_is_refused(host: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**BASE_ENV, "SIYU_HOST": host})
    [problem] = error.value.problems
    assert problem.startswith("SIYU_HOST 写得不对") and repr(host) in problem


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.1", "::", "[::1]", "localhost", "bot-1.internal"])
def test_listen_addresses_an_operator_writes_are_taken(host: str) -> None:
    assert load_settings({**BASE_ENV, "SIYU_HOST": host}).host == host


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def _serve(**settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
    env.update(WECOM_CORP_ID=CORP_ID, WECOM_TOKEN=TOKEN, WECOM_AES_KEY=AES_KEY, WECOM_SECRET="s",
               WECOM_API_BASE="http://127.0.0.1:9", SIYU_HOST="127.0.0.1", **settings)
    return subprocess.run([sys.executable, "-m", "bot", "serve"], capture_output=True, text=True, env=env,
                          timeout=60, cwd=ROOT)


def test_a_port_in_use_is_one_line_and_exit_code_2_before_anything_starts(taken_port: int) -> None:
    result = _serve(SIYU_PORT=str(taken_port))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("siyu serve:")]
    assert f"SIYU_PORT {taken_port}" in line and "已被占用" in line
    assert "store epoch" not in result.stderr  # the app never started: no worker took anything up


def test_a_metrics_port_in_use_is_one_line_and_exit_code_2(taken_port: int) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        public = free.getsockname()[1]
    result = _serve(SIYU_PORT=str(public), SIYU_METRICS_PORT=str(taken_port))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("siyu serve:")]
    assert f"SIYU_METRICS_PORT {taken_port}" in line and "已被占用" in line
    assert "store epoch" not in result.stderr
