"""trial15: `python -m tests.send_callback --fake :18081` (the form its --help showed) crashed with a traceback, the
fake WeCom on another port printed a follow-up command that could not reach it, and a message sent after a handover
was answered with a hint about group owner notices."""

from __future__ import annotations

import argparse

import aiohttp
import pytest

from tests.fake_wecom import FakeWeCom
from tests.fake_wecom_cli import Controls, then_line
from tests.send_callback import _silent, base_url, main


@pytest.mark.parametrize(("given", "meant"), [
    (":18081", "http://127.0.0.1:18081"), ("127.0.0.1:18081", "http://127.0.0.1:18081"),
    ("localhost:18081", "http://localhost:18081"), ("http://127.0.0.1:18081/", "http://127.0.0.1:18081"),
    ("https://fake.example:443", "https://fake.example:443")])
def test_an_address_can_be_written_as_a_port_a_host_and_port_or_a_url(given: str, meant: str) -> None:
    assert base_url(given) == meant


def test_a_wrong_address_is_one_line_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["包邮吗", "--fake", "18081x"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "--fake: '18081x' is not an address" in err and "Traceback" not in err


def test_the_help_shows_the_real_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "default http://127.0.0.1:8081" in out and "default http://127.0.0.1:8080" in out


def test_the_fake_on_another_port_prints_a_command_that_reaches_it() -> None:
    line = then_line("http://127.0.0.1:18081")
    assert "python -m tests.send_callback 包邮吗 --fake http://127.0.0.1:18081 " in line
    assert "--fake" not in then_line("http://127.0.0.1:8081")  # the default needs no flag, as docs/operations.md shows


async def test_silence_after_a_handover_says_a_person_has_the_conversation(capsys: pytest.CaptureFixture[str]) -> None:
    fake = FakeWeCom()
    fake.extra_routes = Controls(fake).routes()
    url = await fake.start(0)
    try:
        args = argparse.Namespace(hit=None, fake=url.rstrip("/"), kf="wkTryLocal", customer="wmTryLocal05", wait=0.1)
        async with aiohttp.ClientSession() as session:
            assert await _silent(session, args, "wmTryLocal05") == 1
            assert "owner notice" not in capsys.readouterr().err
            fake.service_states[("wkTryLocal", "wmTryLocal05")] = 2
            assert await _silent(session, args, "wmTryLocal05") == 0
    finally:
        await fake.stop()
    out = capsys.readouterr().out
    assert "wmTryLocal05 is with a person now" in out and "owner notice" not in out


@pytest.mark.parametrize("given", ["localhost:18081?x=1", "http://127.0.0.1:18081#top", "127.0.0.1:18081?"])
def test_an_address_with_a_query_or_fragment_is_refused(given: str) -> None:
    # attack15c: "http://localhost:18081?x=1" + "/wecom/callback" posted to the server's root with a query
    with pytest.raises(ValueError, match="is not an address"):
        base_url(given)


def test_a_port_alone_is_a_local_address() -> None:
    assert base_url("18081") == "http://127.0.0.1:18081"


@pytest.mark.parametrize("wait", ["-5", "0", "nan", "inf", "soon"])
def test_a_wait_that_is_no_time_is_refused(wait: str, capsys: pytest.CaptureFixture[str]) -> None:
    # attack15c: --wait -5 sent the callback, waited not at all and said nothing came "within -5 s"
    with pytest.raises(SystemExit) as exited:
        main(["包邮吗", "--wait", wait])
    assert exited.value.code == 2
    assert "not a number of seconds above 0" in capsys.readouterr().err
