"""The pieces behind the fault suite, one by one: settings, log throttling, patient sending, kf pulls."""

from __future__ import annotations

import logging
import time
from typing import Any

import aiohttp
import pytest

from bot.config import ConfigError, load_settings, parse_duration
from bot.content.durations import human_duration
from bot.gateway.deadletters import DeadLetters
from bot.gateway.kf_pull import UNANSWERED_LOG, KfPuller
from bot.gateway.queue import Queue
from bot.gateway.sender import DEAD, EXPIRED_OUTCOME, RECONCILED, REFUSED, SENT, Result, Send, Sender
from bot.logging_setup import LogThrottle
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.log_capture import throttled_lines
from tests.wecom import AES_KEY

BASE_ENV = {"WECOM_CORP_ID": "ww1", "WECOM_TOKEN": "tok", "WECOM_AES_KEY": AES_KEY, "WECOM_SECRET": "s"}


def test_durations_and_limits_are_read_and_checked() -> None:
    assert [parse_duration(t) for t in ("90", "1.5", "5m", "2h", "30d")] == [90, 1.5, 300, 7200, 30 * 86400]
    settings = load_settings({**BASE_ENV, "SIYU_KF_MAX_AGE": "2m", "SIYU_RETAIN_SESSIONS": "30d",
                              "SIYU_SEND_CONCURRENCY": "4", "SIYU_WECOM_TIMEOUT": "45"})
    assert settings.limits.kf_max_age_s == 120 and settings.limits.send_concurrency == 4
    assert settings.limits.wecom_timeout_s == 45 and settings.retention.sessions_s == 30 * 86400
    with pytest.raises(ConfigError) as error:
        load_settings({**BASE_ENV, "SIYU_KF_MAX_AGE": "soon", "SIYU_RETAIN_QUEUE": "-1h", "SIYU_REDIS_POOL": "2",
                       "SIYU_SEND_RETRY_MAX": "2x"})
    assert len(error.value.problems) == 4
    assert all(p.split()[0] in {"SIYU_KF_MAX_AGE", "SIYU_RETAIN_QUEUE", "SIYU_REDIS_POOL", "SIYU_SEND_RETRY_MAX"}
               for p in error.value.problems)


def test_a_wrong_log_level_is_one_clear_line_not_a_silent_info() -> None:
    assert load_settings({**BASE_ENV, "SIYU_LOG_LEVEL": "debug"}) is not None
    with pytest.raises(ConfigError) as error:
        load_settings({**BASE_ENV, "SIYU_LOG_LEVEL": "verbose"})
    assert [p.split()[0] for p in error.value.problems] == ["SIYU_LOG_LEVEL"]


def test_a_duration_out_of_range_names_its_bounds_as_an_operator_writes_them() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**BASE_ENV, "SIYU_RETAIN_LOGS": "20y", "SIYU_READ_TIMEOUT": "0.01", "SIYU_HANDOVER_TIMEOUT": "12"})
    assert error.value.problems == [
        "SIYU_HANDOVER_TIMEOUT 写得不对：应当是 0 或带单位（s、m、h、d）的时长，如 12h，现在是 '12'",
        "SIYU_READ_TIMEOUT 写得不对：应当是 0.1s 到 5m 之间的时长（如 30s、5m、2h、7d；只写数字按秒算），现在是 '0.01'",
        "SIYU_RETAIN_LOGS 写得不对：应当是 1m 到 3650d 之间的时长（如 30s、5m、2h、7d），现在是 '20y'",  # a bare number is refused here
    ]


def test_a_retention_without_a_unit_is_refused_not_read_as_seconds() -> None:
    # 400 meant as 400d kept profiles, and so opt-outs, for 6 min 40 s without a word
    with pytest.raises(ConfigError) as error:
        load_settings({**BASE_ENV, "SIYU_RETAIN_SESSIONS": "90", "SIYU_RETAIN_PROFILES": "400",
                       "SIYU_WECOM_TIMEOUT": "45"})  # a timeout in bare seconds stays fine
    assert error.value.problems == [
        "SIYU_RETAIN_SESSIONS 写得不对：'90' 没有单位，加上 s、m、h 或 d（如 90d）",
        "SIYU_RETAIN_PROFILES 写得不对：'400' 没有单位，加上 s、m、h 或 d（如 400d）",
    ]
    kept = load_settings({**BASE_ENV, "SIYU_RETAIN_PROFILES": "400d", "SIYU_RETAIN_QUEUE": "90m"}).retention
    assert (kept.profiles_s, kept.queue_s) == (400 * 86400, 5400)


def test_a_redis_database_that_is_not_a_number_is_refused_at_start_up() -> None:
    for db in ("0x", "nine"):
        with pytest.raises(ConfigError) as error:
            load_settings({**BASE_ENV, "REDIS_URL": f"redis://127.0.0.1:6379/{db}"})
        assert error.value.problems == [f"REDIS_URL 写得不对：端口后面的库号要是整数（如 redis://127.0.0.1:6379/0），"
                                        f"现在是 '/{db}'"]
    for url in ("redis://127.0.0.1:6379/9", "redis://127.0.0.1:6379", "redis://h:6379/", "unix:///tmp/r.sock?db=2"):
        assert load_settings({**BASE_ENV, "REDIS_URL": url}).redis_url == url


@pytest.mark.parametrize(("seconds", "said"), [
    (0, "0s"), (0.5, "0.5s"), (20, "20s"), (90, "1m30s"), (300, "5m"), (7200, "2h"), (129600, "1d12h"),
    (365 * 86400, "365d"), (86400 + 1, "1d"),
])
def test_durations_in_the_log_read_as_written(seconds: float, said: str) -> None:
    assert human_duration(seconds) == said


def test_a_repeated_failure_is_one_line_per_interval_with_a_count() -> None:
    now = [0.0]
    throttle = LogThrottle(interval_s=10, clock=lambda: now[0])
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("siyu.test.throttle")
    handler = Keep()
    handler.addFilter(throttle)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        for n in range(50):
            logger.warning("partition %d could not be read", n)  # one template: one failure
        logger.warning("something else entirely")
        logger.info("info is never throttled")
        logger.info("info is never throttled")
        now[0] = 11
        throttle.flush()
        logger.warning("partition %d could not be read", 99)
    finally:
        logger.removeHandler(handler)
    assert records == [
        "partition 0 could not be read",
        "something else entirely",
        "info is never throttled",
        "info is never throttled",
        "partition 0 could not be read [repeated 49 more time(s) in 10s]",
        "partition 99 could not be read",
    ]


@pytest.fixture
async def api(fake: FakeWeCom, store: Store) -> Any:
    async with aiohttp.ClientSession() as session:
        yield WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=Metrics(), timeout_s=0.5, rate_limit_pause_max_s=0.01)


async def _never() -> float:
    return 0.0


def _send(msgid: str = "m1", to: str = "wmA") -> Send:
    return Send("kf", "kf/send_msg", {"touser": to, "open_kfid": "wk", "msgid": msgid, "msgtype": "text",
                                       "text": {"content": "hi"}}, to, "ev1")


async def test_the_sender_outlasts_a_busy_wecom(api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    fake.fail("kf/send_msg", -1, times=25)
    fake.fail("kf/send_msg", 45009, times=5)
    sender = Sender(api, DeadLetters(store), Metrics(), retry_max_s=0.01)
    assert (await sender.send(_send(), _never)).outcome == SENT
    assert len(fake.calls_to("kf/send_msg")) == 31 and len(fake.delivered) == 1


async def test_each_errcode_a_send_is_retried_for_reaches_the_log(api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    """WeCom unreachable (-1) for a while and then rate-limiting (45009): both are said, each once, not the
    second hidden in the count of the first."""
    with throttled_lines("bot.gateway.sender", LogThrottle(interval_s=10, clock=lambda: 0.0)) as lines:
        fake.fail("kf/send_msg", -1, times=5)
        fake.fail("kf/send_msg", 45009, times=3)
        assert (await Sender(api, DeadLetters(store), Metrics(), retry_max_s=0.01).send(_send(), _never)).outcome == SENT
    assert [line.split(" failed ")[1] for line in lines] == [
        "with errcode -1; the message waits and is retried", "with errcode 45009; the message waits and is retried"]


async def test_each_message_refused_for_good_reaches_the_log(api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    """A welcome refused for good (40029) and then a reply refused for good by another endpoint (81013) are two
    failures, each its own ERROR line: sharing the template, the second was counted as a repeat of the first and
    never said (QA round 13, F4); a count still pending when the service stops is said then."""
    throttle = LogThrottle(interval_s=10, clock=lambda: 0.0)
    with throttled_lines("bot.gateway.sender", throttle) as lines:
        sender = Sender(api, DeadLetters(store), Metrics(), retry_max_s=0.01)
        fake.fail("kf/send_msg", 40029)
        assert (await sender.send(_send("a"), _never)).outcome == DEAD
        fake.fail("message/send", 81013)
        assert (await sender.send(Send("app", "message/send", {"touser": "u", "msgtype": "text",
                                                               "text": {"content": "hi"}}, "u", "ev2"), _never)).outcome == DEAD
        fake.fail("message/send", 81013)
        assert (await sender.send(Send("app", "message/send", {"touser": "u", "msgtype": "text",
                                                               "text": {"content": "hi"}}, "u", "ev3"), _never)).outcome == DEAD
        throttle.flush(everything=True)
    said = [line for line in lines if "refused for good" in line]
    assert [line.split(" refused")[0].split()[-1] for line in said][:2] == ["kf/send_msg", "message/send"], lines
    assert "repeated 1 more time" in said[-1], lines


async def test_the_sender_records_what_it_cannot_send(api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    letters = DeadLetters(store)
    sender = Sender(api, letters, Metrics(), retry_max_s=0.01)
    fake.fail("kf/send_msg", 95018)
    assert await sender.send(_send("a"), _never, expected=frozenset({95018})) == Result(REFUSED, 95018)
    fake.fail("kf/send_msg", 48002)
    assert (await sender.send(_send("b"), _never)).outcome == DEAD
    fake.outage("kf/send_msg", -1)

    closes = time.time() + 0.2

    async def closing() -> float:
        return closes

    assert (await sender.send(_send("c"), closing)).outcome == EXPIRED_OUTCOME
    fake.recover()
    recorded = [(letter.status, letter.payload["msgid"]) for _, letter in await letters.list()]
    assert recorded == [("expired", "c"), ("dead", "b")]
    assert fake.delivered == []


async def test_a_resend_of_an_uncertain_message_that_wecom_refuses_was_delivered(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    fake.unique_msgids = True
    sender = Sender(api, DeadLetters(store), Metrics(), retry_max_s=2)  # the retry comes 0.25-0.5 s later
    fake.slow("kf/send_msg", 0.6)  # our 0.5 s timeout gives up; WeCom delivers it anyway
    assert (await sender.send(_send("u1"), _never)).outcome == RECONCILED
    assert len(fake.delivered) == 1 and await DeadLetters(store).list() == []


async def test_a_pull_without_a_cursor_records_old_messages_instead_of_answering_them(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    now = int(time.time())
    fake.add_kf_message("wk", "wmOld", "旧消息", send_time=now - 600)
    fake.add_kf_message("wk", "wmNew", "新消息", send_time=now - 10)
    puller = KfPuller(store, api, queue, Metrics(), max_age_s=300)
    assert await puller.pull("wk", "T") == 1  # only the recent one is queued
    [record] = await store.lrange(UNANSWERED_LOG, 0, -1)
    assert "wmOld" in record and "旧消息" not in record
    fake.add_kf_message("wk", "wmLate", "晚到的", send_time=now - 3600)  # with a cursor, every message is news
    assert await puller.pull("wk", "T") == 1
    await store.delete("siyu:kf:wk:cursor")  # the store forgot; this process still knows where it was
    fake.add_kf_message("wk", "wmNext", "下一条")
    assert await puller.pull("wk", "T") == 1
    assert len(await store.lrange(UNANSWERED_LOG, 0, -1)) == 1


async def test_an_outcome_waits_for_the_store_rather_than_failing(store: Store) -> None:
    from bot.gateway.outbox import SENT, Outbox

    outbox = Outbox(store)
    real = store.hset
    failures = 0

    async def blip(*args: Any, **kwargs: Any) -> None:
        nonlocal failures
        if failures < 3:
            failures += 1
            raise ConnectionError("redis blip")
        await real(*args, **kwargs)

    store.hset = blip  # type: ignore[method-assign]
    try:
        await outbox.settle("ev", "m1", SENT)
    finally:
        store.hset = real  # type: ignore[method-assign]
    assert failures == 3 and (await outbox.statuses("ev"))["m1"] == SENT


async def test_a_pull_requested_during_a_pull_is_done_by_the_running_puller(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    import asyncio

    queue = Queue(store)
    await queue.setup()
    first, second = KfPuller(store, api, queue, Metrics()), KfPuller(store, api, queue, Metrics())
    fake.add_kf_message("wk", "wmA", "第一条")
    fake.hold("kf/sync_msg")
    running = asyncio.create_task(first.pull("wk", "T1"))
    for _ in range(200):
        if fake.held:
            break
        await asyncio.sleep(0.01)
    fake.add_kf_message("wk", "wmB", "第二条")  # arrives after the running pull asked WeCom
    waiting = asyncio.create_task(second.pull("wk", "T2"))  # leaves its request to the running puller
    for _ in range(20):
        await asyncio.sleep(0.01)
    assert not waiting.done()
    fake.release()
    assert await running == 2  # both messages: the running puller pulled once more for the request
    assert await waiting == 0


async def test_an_expired_callback_token_is_dropped_from_the_pull(
        api: WeComAPI, fake: FakeWeCom, store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    fake.add_kf_message("wk", "wmA", "你好")
    fake.fail("kf/sync_msg", 95007)  # the 10-minute callback token is no longer valid
    assert await KfPuller(store, api, queue, Metrics()).pull("wk", "OLD") == 1
    assert [c.get("token") for c in fake.calls_to("kf/sync_msg")] == ["OLD", None]


def test_siyu_serve_help_names_the_variables_an_operator_must_set() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "bot", "serve", "--help"], capture_output=True, text=True,
                         check=True).stdout
    assert all(name in out for name in ("WECOM_CORP_ID", "WECOM_TOKEN", "WECOM_AES_KEY", "WECOM_SECRET", "REDIS_URL"))
