"""Hot reload of semantically broken content into a running `siyu serve`: the broken file is refused with
file:line in the log, the running content keeps serving, and later good edits are still picked up."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import bot.engine.library as library_module
from bot.engine.library import Library
from bot.groups.library import GroupLibrary
from bot.logging_setup import DISTINCT, LogThrottle
from bot.store.base import Store
from bot.wiring import watch_content
from tests.conftest import TEST_REDIS_URL
from tests.fault_kit import BotProcess, until
from tests.gateway_kit import ROOT, eventually


def versions_in_use(bot: BotProcess) -> list[str]:
    return re.findall(r"content version (\w+) in use", bot.log_text())


async def test_broken_followups_are_refused_with_file_and_line_and_later_edits_still_reload(
        tmp_path: Path, redis_store: Store, bots: Callable[..., BotProcess]) -> None:
    content = _copied_content(tmp_path)
    bot = bots(TEST_REDIS_URL, {"SIYU_CONTENT": str(content)})
    bot.start()
    await bot.started()
    await asyncio.sleep(1.0)  # the file watcher starts after the server
    broken = [("codebook.yaml", '"2": {label: 油皮', '"1": {label: 油皮', "knowledge/codebook.yaml:16:7"),  # a code twice
              ("policy.yaml", "  window: 7d", "  window: 0d", "knowledge/policy.yaml:30:11"),  # the budget off
              ("followups.yaml", "{reason}", "{reasons", "knowledge/followups.yaml:12:13")]  # not a format string
    for name, old, new, where in broken:
        path = content / "knowledge" / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        await until(lambda where=where: where in bot.log_text(), 15, f"the refusal naming {where}")  # type: ignore[misc]
        assert bot.process is not None and bot.process.poll() is None and await bot.health() == 200
        if name != "followups.yaml":
            path.write_text(text, encoding="utf-8")  # back as it was: the version in use stays the same
    assert versions_in_use(bot) == []
    plans = content / "knowledge" / "followups.yaml"
    good = (ROOT / "knowledge" / "followups.yaml").read_text(encoding="utf-8")
    plans.write_text(good.replace("第1天的关怀", "第一天的关怀"), encoding="utf-8")  # a good edit
    await until(lambda: len(versions_in_use(bot)) == 1, 15, "the good edit in use")
    assert "Traceback" not in bot.log_text()


async def test_a_loader_bug_during_a_reload_keeps_the_content_and_the_watcher(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, root / folder)
    library = Library.load(root)
    version = library.current.version
    real_load = library_module.load_content

    def broken_load(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a checker bug")

    monkeypatch.setattr(library_module, "load_content", broken_load)
    watcher = asyncio.create_task(watch_content(library, GroupLibrary.load(library.current)))
    faq = root / "knowledge" / "faq.yaml"
    text = faq.read_text(encoding="utf-8")
    for attempt in range(20):  # the watcher starts when it starts: write again until it has seen a change
        faq.write_text(text.replace("满59元包邮", f"满{40 + attempt}元包邮"), encoding="utf-8")
        await asyncio.sleep(1.0)
        if "a checker bug" in caplog.text:
            break
    assert "content reload failed" in caplog.text and library.current.version == version
    assert not watcher.done()
    monkeypatch.setattr(library_module, "load_content", real_load)
    faq.write_text(text.replace("满59元包邮", "满39元包邮"), encoding="utf-8")
    await eventually(lambda: library.current.version != version, within=10)
    watcher.cancel()


def test_content_put_back_after_a_refusal_says_it_is_valid_again(tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """After `goto: chatt` was refused, putting the file back logged nothing: the last line the operator saw
    was the refusal, as if the bot were still unhappy with the content."""
    root = _copied_content(tmp_path)
    library = Library.load(root)
    groups = GroupLibrary.load(library.current)
    running = library.current.version
    flow, ladder = root / "flows" / "icebreak.yaml", root / "groups" / "ladder.yaml"
    flow_text, ladder_text = flow.read_text(encoding="utf-8"), ladder.read_text(encoding="utf-8")

    with caplog.at_level(logging.INFO):
        flow.write_text(flow_text.replace("goto: chat", "goto: chatt", 1), encoding="utf-8")
        assert not library.reload()
        assert _first_lines(caplog) == [f"content reload refused, the running version {running} stays:"]
        flow.write_text(flow_text, encoding="utf-8")  # put back as it was: the same version
        assert not library.reload() and library.current.version == running
        assert _first_lines(caplog) == [f"content is valid again; version {running} (unchanged) in use"]
        assert not library.reload() and _first_lines(caplog) == []  # said once, not on every later look

        flow.write_text(flow_text.replace("goto: chat", "goto: chatt", 1), encoding="utf-8")
        library.reload()
        _first_lines(caplog)
        flow.write_text(flow_text.replace("goto: chat", "goto: ask_name", 1), encoding="utf-8")  # another fix
        assert library.reload()
        assert _first_lines(caplog) == [f"content version {library.current.version} in use (valid again after the refusal)"]

        ladder.write_text("ladder: [\n", encoding="utf-8")
        assert not groups.reload(library.current)
        assert _first_lines(caplog) == ["groups/ reload refused, the running version stays:"]
        ladder.write_text(ladder_text, encoding="utf-8")
        assert not groups.reload(library.current)
        assert groups.current is not None
        assert _first_lines(caplog) == [f"groups/ content is valid again; version {groups.current.version} (unchanged) in use"]


def test_two_different_content_refusals_within_the_throttle_interval_both_reach_the_log() -> None:
    throttle = LogThrottle(interval_s=10, clock=lambda: 0.0)
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("siyu.test.distinct")
    handler = Keep()
    handler.addFilter(throttle)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for where in ("codebook.yaml:16:7", "policy.yaml:30:11", "policy.yaml:30:11"):
            logger.error("content reload refused:\n%s", where, extra=DISTINCT)
    finally:
        logger.removeHandler(handler)
    assert records == ["content reload refused:\ncodebook.yaml:16:7", "content reload refused:\npolicy.yaml:30:11"]


async def test_a_fixed_refusal_leaves_no_stale_repeat_count_at_shutdown(
        tmp_path: Path, redis_store: Store, bots: Callable[..., BotProcess]) -> None:
    """The same broken edit saved twice was refused twice within the log's repeat interval: the second line was
    held back, and its count was the last line at shutdown — after the fixed content was in use, as if it were
    still refused. The line that says the content is good again closes the refusal: nothing of it comes later."""
    content = _copied_content(tmp_path)
    bot = bots(TEST_REDIS_URL, {"SIYU_CONTENT": str(content)})
    bot.start()
    await bot.started()
    await asyncio.sleep(1.0)  # the file watcher starts after the server
    flow = content / "flows" / "icebreak.yaml"
    text = flow.read_text(encoding="utf-8")
    flow.write_text(text.replace("goto: chat", "goto: chatt", 1), encoding="utf-8")
    await until(lambda: "content reload refused" in bot.log_text(), 15, "the refusal")
    flow.write_text(text.replace("goto: chat", "goto: chatt", 1) + "\n", encoding="utf-8")  # saved again, as broken
    await asyncio.sleep(3.0)  # refused again (within the 10 s repeat interval): held back by the log throttle
    flow.write_text(text.replace("goto: chat", "goto: ask_name", 1), encoding="utf-8")  # the fix
    await until(lambda: len(versions_in_use(bot)) == 1, 15, "the fixed content in use")
    bot.stop()
    lines = bot.log_lines()
    good = next(number for number, line in enumerate(lines) if "valid again after the refusal" in line)
    assert "the refusal was repeated 1 more time(s)" in lines[good], lines[good]
    assert not any("content reload" in line for line in lines[good + 1:]), lines[good:]


def test_content_valid_again_closes_the_refusal_in_the_log_throttle(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copied_content(tmp_path)
    library = Library.load(root)
    groups = GroupLibrary.load(library.current)
    throttle = LogThrottle(interval_s=10, clock=lambda: 0.0)  # everything below is within one interval
    monkeypatch.setattr(LogThrottle, "active", throttle)
    monkeypatch.setattr(caplog.handler, "filters", [*caplog.handler.filters, throttle])  # pytest keeps the handler
    flow, ladder = root / "flows" / "icebreak.yaml", root / "groups" / "ladder.yaml"
    flow_text, ladder_text = flow.read_text(encoding="utf-8"), ladder.read_text(encoding="utf-8")

    with caplog.at_level(logging.INFO):
        flow.write_text(flow_text.replace("goto: chat", "goto: chatt", 1), encoding="utf-8")
        assert not library.reload() and not library.reload()
        running = library.current.version
        assert _first_lines(caplog) == [f"content reload refused, the running version {running} stays:"]  # the second held back
        flow.write_text(flow_text, encoding="utf-8")
        assert not library.reload()
        assert _first_lines(caplog) == [f"content is valid again; version {running} (unchanged) in use; "
                          "the refusal was repeated 1 more time(s)"]
        throttle.flush(everything=True)  # as the service stops
        assert _first_lines(caplog) == []
        flow.write_text(flow_text.replace("goto: chat", "goto: chatt", 1), encoding="utf-8")  # the same mistake again
        assert not library.reload()
        assert _first_lines(caplog) == [f"content reload refused, the running version {running} stays:"]  # said, not held back
        flow.write_text(flow_text.replace("goto: chat", "goto: ask_name", 1), encoding="utf-8")
        assert library.reload()
        assert _first_lines(caplog) == [f"content version {library.current.version} in use (valid again after the refusal)"]

        ladder.write_text("ladder: [\n", encoding="utf-8")
        assert not groups.reload(library.current) and not groups.reload(library.current)
        assert _first_lines(caplog) == ["groups/ reload refused, the running version stays:"]
        ladder.write_text(ladder_text, encoding="utf-8")
        assert not groups.reload(library.current) and groups.current is not None
        assert _first_lines(caplog) == [f"groups/ content is valid again; version {groups.current.version} (unchanged) in use; "
                          "the refusal was repeated 1 more time(s)"]
        throttle.flush(everything=True)
        assert _first_lines(caplog) == []


def _copied_content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge", "groups"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def _first_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The first line of each record logged since the last call."""
    lines = [record.getMessage().split("\n")[0] for record in caplog.records]
    caplog.clear()
    return lines
