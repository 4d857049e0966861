"""A number setting written with a character that is a digit to str.isdigit but not to int() (², ¹, ③) is one
line like any other mistake, not a traceback (attack14): the checks asked isdigit() and then called int()."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.group_messages.keys import KeyRing
from tests.wecom import AES_KEY

BASE_ENV = {"WECOM_CORP_ID": "ww1", "WECOM_TOKEN": "tok", "WECOM_AES_KEY": AES_KEY, "WECOM_SECRET": "s"}


@pytest.mark.parametrize("name", ["SIYU_PORT", "WECOM_AGENT_ID", "SIYU_SEND_CONCURRENCY", "SIYU_METRICS_PORT"])
@pytest.mark.parametrize("written", ["²", "80²", "①"])
def test_a_digit_int_cannot_read_is_one_line(name: str, written: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**BASE_ENV, name: written})
    [problem] = error.value.problems
    assert problem.startswith(name) and repr(written) in problem


def test_full_width_digits_are_still_read() -> None:
    assert load_settings({**BASE_ENV, "SIYU_PORT": "８０９０"}).port == 8090


def test_a_msgaudit_key_version_int_cannot_read_is_one_line() -> None:
    _, problems = KeyRing.parse("²:/nonexistent.pem")
    assert problems == ["SIYU_MSGAUDIT_KEYS 写得不对：应当是 版本:路径，现在是 '²:/nonexistent.pem'"]
