"""Run the `siyu` command inside the test process, as a subprocess would see it, without its start-up cost.

Starting `python -m bot` imports the package again (about a second, more with the content), and the suite did
that a few hundred times. `run_siyu` calls `bot.cli.main` with the argv, an environment, a current directory
and stdin of the test's choosing, and hands back what `subprocess.run(..., capture_output=True, text=True)`
would: the exit code, stdout and stderr. What the interpreter itself does at exit is done here too, so that
the tests' checks still fail for the same bugs: an exception that escapes `main` is a traceback on stderr and
exit code 1; `SystemExit` gives its code; warnings logged without a handler reach stderr, as they would in a
process of its own (pytest's log capture is set aside meanwhile).

Each command family keeps at least one test that starts a real `python -m bot`, so that the wiring of the
console script is still covered (tests/test_cli_hostile.py, tests/test_content_location.py and others).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from pathlib import Path

from bot.cli import main


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _fresh_logging() -> Iterator[None]:
    """No handler on the root logger, as in a new process: a warning then reaches stderr through lastResort."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def _stream(data: bytes = b"") -> io.TextIOWrapper:
    """A text stream over bytes, like a pipe: it has .buffer, it is not a terminal, it encodes as UTF-8."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="strict", newline=None)


def _read(stream: io.TextIOWrapper) -> str:
    stream.flush()
    raw = stream.buffer
    assert isinstance(raw, io.BytesIO)
    return raw.getvalue().decode("utf-8").replace("\r\n", "\n")  # text=True reads universal newlines


def run_siyu(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
             input: str = "") -> subprocess.CompletedProcess[str]:
    """`siyu ARGS` in this process; env defaults to this process's environment; cwd to the current directory."""
    environment = dict(os.environ if env is None else env)
    environment.setdefault("COLUMNS", "80")  # what argparse sees on a pipe: help wraps as it does for a subprocess
    out, err, stdin = _stream(), _stream(), _stream(input.encode("utf-8"))
    saved = sys.stdin, sys.stdout, sys.stderr
    here = Path.cwd()
    with _environment(environment), _fresh_logging():
        sys.stdin, sys.stdout, sys.stderr = stdin, out, err
        try:
            if cwd is not None:
                os.chdir(cwd)
            try:
                code = main(list(args))
            except SystemExit as leaving:
                code = _exit_code(leaving, err)
            except Exception:  # what the interpreter does with an exception nothing caught
                traceback.print_exc(file=err)
                code = 1
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
            os.chdir(here)
    return subprocess.CompletedProcess(["siyu", *args], code, _read(out), _read(err))


def _exit_code(leaving: SystemExit, err: io.TextIOWrapper) -> int:
    if leaving.code is None:
        return 0
    if isinstance(leaving.code, int):
        return leaving.code
    print(leaving.code, file=err)
    return 1
