"""trial15's cosmetic findings: `siyu forget` said 「keys 5，queued events 4」 in English inside a Chinese line."""

from __future__ import annotations

import logging

import pytest

from bot.retention.forget import forget
from bot.store.base import Store
from bot.tools.operations import FORGOTTEN


async def test_every_kind_forget_counts_has_a_chinese_name(redis_store: Store) -> None:
    counts = await forget(redis_store, "wmNobodyHere")
    assert set(counts) <= set(FORGOTTEN), set(counts) - set(FORGOTTEN)


def test_a_missing_keys_own_variant_is_not_suggested() -> None:
    """trial15: faq.card_note renamed faq.card_nots → 「是不是 faq.card_note.live / faq.card_nots？」."""
    from bot.content.suggest import maybe

    said = maybe("faq.card_note", ["faq.card_note.live", "faq.card_nots", "welcome"])
    assert said == "；是不是 faq.card_nots？", said
    assert maybe("icebreak.ask_name", ["icebreak.ask_name_again"]) == "；是不是 icebreak.ask_name_again？"


async def test_sighup_with_unchanged_content_says_so(content: object, caplog: pytest.LogCaptureFixture) -> None:
    """trial15: `kill -HUP` with nothing changed logged nothing: nobody could tell the reload happened."""
    from pathlib import Path

    from bot.engine.library import Library
    from bot.groups.library import GroupLibrary
    from bot.wiring import reload_all

    assert isinstance(content, Path)
    library = Library.load(content)
    groups = GroupLibrary.load(library.current)
    caplog.set_level(logging.INFO)
    await reload_all(library, groups)  # the file watcher: quiet when nothing changed
    assert "unchanged" not in caplog.text
    await reload_all(library, groups, signalled=True)
    assert f"SIGHUP: content unchanged; version {library.current.version} stays in use" in caplog.text


def test_a_port_in_use_names_where_this_one_tried_not_where_the_other_listens() -> None:
    """trial15: 「已经在 0.0.0.0:18080 上监听」 while the other serve listened on 127.0.0.1:18080."""
    import errno

    from bot.gateway.serving import listen_problem

    line = listen_problem(OSError(errno.EADDRINUSE, "in use"), "0.0.0.0", 18080, "SIYU_HOST", "SIYU_PORT")
    assert "已经在 0.0.0.0:18080 上监听" not in line and "这里要监听 0.0.0.0:18080" in line, line
    assert line.startswith("SIYU_PORT 18080 已被占用") and "已经在用端口 18080" in line


def test_siyu_test_quiet_prints_failures_and_the_summary_only(tmp_path: object) -> None:
    """trial15: 875 「ok」 lines put the summary and the coverage gaps at the bottom of a long scroll."""
    from pathlib import Path

    from tests.cli_kit import run_siyu

    assert isinstance(tmp_path, Path)
    tests = tmp_path / "two.yaml"
    tests.write_text("tests:\n  - name: 包邮\n    steps:\n      - say: 包邮吗\n        expect: [\"faq:shipping_fee\"]\n"
                     "  - name: 错的\n    steps:\n      - say: 包邮吗\n        expect: [welcome]\n", encoding="utf-8")
    result = run_siyu("test", "-q", str(tests))
    assert result.returncode == 1
    assert "ok   包邮" not in result.stdout and "FAIL 错的" in result.stdout and "1 通过, 1 失败" in result.stdout
