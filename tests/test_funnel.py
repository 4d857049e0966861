"""The funnel: counts per channel and stage, churn put down to the step before it, first-response time,
the report as text, as a page in a real headless Chromium, and the same counters on /metrics."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from bot.conversation import Inbound, InboundKind
from bot.engine.engine import Engine
from bot.events import EventBus
from bot.followups.plans import PushyAlarm
from bot.funnel.html import render_html
from bot.funnel.recorder import FunnelMetrics, FunnelRecorder
from bot.funnel.report import Report, bound, load_report, render_text
from bot.store.base import Store
from bot.tools.simulator import Simulator
from tests.conftest import TEST_REDIS_URL
from tests.followups_kit import LIBRARY, MORNING

ZONE = ZoneInfo("Asia/Shanghai")
DAY = 86400.0


def recorded(sim: Simulator, store: Store, registry: CollectorRegistry) -> FunnelRecorder:
    recorder = FunnelRecorder(store, FunnelMetrics(registry), clock=lambda: sim.now)
    sim.bus.subscribe(recorder)
    return recorder


async def journeys(store: Store, registry: CollectorRegistry, start: float = MORNING) -> float:
    """Six customers from two channels; returns the time the last one finished."""
    metrics = FunnelMetrics(registry)
    now = start
    scripts = {
        "live": [["好", "小美", "我比较懒，随便抹抹", "可以", "2", "3", "D"], ["好", "小美"], ["别推了"]],
        "pkgcard": [["包邮吗", "包邮吗"], [], ["哦"]],
    }
    for channel, customers in scripts.items():
        for number, script in enumerate(customers):
            sim = Simulator(LIBRARY, store=store, customer=f"wm{channel}{number}", channel=channel, start=now)
            sim.bus.subscribe(FunnelRecorder(store, metrics, clock=lambda sim=sim: sim.now))  # type: ignore[misc]
            await sim.welcome()
            await sim.enter(from_welcome=True)
            for text in script:
                await sim.say(text)
            if channel == "pkgcard" and number == 1:
                await sim.wait(2 * DAY)  # the day-1 care goes out; they delete the staff member right after
                await sim.delete()
            elif channel == "pkgcard" and number == 2:
                await sim.wait(5 * DAY)  # cold: no care; deleted long after the bot last spoke: no step
                await sim.delete()
            now = max(now, sim.now)
    return now


async def test_stages_per_channel_count_each_customer_once_and_churn_names_the_step(store: Store) -> None:
    registry = CollectorRegistry()
    now = await journeys(store, registry)
    report = await load_report(store, ZONE, "30d", None, PushyAlarm(min_sent=1), now)
    assert report.stages["live"]["added"] == 3 and report.stages["pkgcard"]["added"] == 3
    assert report.stages["live"]["replied"] == 3 and report.stages["pkgcard"]["replied"] == 2  # 包邮吗 twice: once
    assert report.stages["live"].get("surveyed") == 1 and report.stages["live"].get("ice_broken") == 2
    assert report.total("welcomed") == 6 and report.reply_rate() == pytest.approx(5 / 6)
    churn = {row["step"]: row for row in report.churn_rows()}
    assert churn["welcome.invite"]["opted_out"] == 1  # 别推了 right after the kf welcome's invitation
    assert churn["followup:seeds.care"]["deleted"] == 1  # deleted within 48 h of the day-1 care
    assert churn["-"]["deleted"] == 1  # deleted days after the bot last spoke
    assert churn["welcome.invite"]["pushy"]
    text = render_text(report)
    assert "followup:seeds.care" in text and "⚠ 太急了" in text and "回复率" in text
    exported = generate_latest(registry).decode()
    assert 'siyu_funnel_customers_total{channel="live",stage="added"} 3.0' in exported
    assert 'siyu_churn_total{kind="deleted",step="followup:seeds.care"} 1.0' in exported
    only_live = await load_report(store, ZONE, "30d", "live", PushyAlarm(), now)
    assert set(only_live.stages) == {"live"}


async def test_a_redelivered_turn_is_not_counted_twice_and_first_response_is_measured(store: Store) -> None:
    registry = CollectorRegistry()
    bus = EventBus()
    clock = [MORNING]
    bus.subscribe(FunnelRecorder(store, FunnelMetrics(registry), clock=lambda: clock[0]))
    engine = Engine(LIBRARY, store, clock=lambda: clock[0], burst_window=0, events=bus)
    asked = Inbound("kfmsg:1", InboundKind.TEXT, "wmOnce", text="包邮吗", at=MORNING - 3)  # sent 3 s before
    await engine.respond("kf:wk1:wmOnce", asked)
    await engine.respond("kf:wk1:wmOnce", asked)  # redelivered: the same turn, the same events, counted once
    report = await load_report(store, ZONE, "1d", None, PushyAlarm(), MORNING)
    assert report.sent == {"faq:shipping_fee": 1}
    assert report.total("replied") == 1
    assert report.first_response() == {"n": 1, "mean": 3.0, "p50": 5.0, "p90": 5.0}


async def test_customers_who_write_without_an_entry_never_make_a_ratio_above_100_percent(store: Store) -> None:
    """QA round 10: 300 returning kf customers wrote 在吗 with no enter_session, and one customer was welcomed:
    回过消息 301, 30100%, and a reply rate of 30100.0%."""
    bus, clock = EventBus(), [MORNING]
    bus.subscribe(FunnelRecorder(store, FunnelMetrics(CollectorRegistry()), clock=lambda: clock[0]))
    engine = Engine(LIBRARY, store, clock=lambda: clock[0], burst_window=0, events=bus)
    for n in range(5):
        for turn in range(2):  # her second message is no second entry
            await engine.respond(f"kf:wk1:wmBack{n}", Inbound(f"kfmsg:{n}:{turn}", InboundKind.TEXT, f"wmBack{n}",
                                                              text="在吗", at=clock[0]))
    sim = Simulator(LIBRARY, store=store, customer="wmNew", start=MORNING)
    recorded(sim, store, CollectorRegistry())
    await sim.welcome()
    await sim.say("包邮吗")
    report = await load_report(store, ZONE, "1d", None, PushyAlarm(), sim.now)
    assert report.total("added") == 6 and report.total("welcomed") == 1 and report.total("replied") == 6
    assert report.entry == {"wrote_first": 5, "welcomed_replied": 1}
    assert report.reply_rate() == 1.0  # the one welcomed customer wrote back
    text = render_text(report)
    assert not [p for p in re.findall(r"(\d+(?:\.\d+)?)%", text) if float(p) > 100], text
    funnel = text.split("漏斗", 1)[1].split("\n\n", 1)[0]
    replied = next(line for line in funnel.splitlines() if line.startswith("回过消息"))
    assert replied.split()[1:4] == ["6", "100%", "100%"]  # 6 of 6 new customers; 1 of 1 welcomed wrote back
    assert "其中 5 位新客没有加好友 / 进客服的记录" in funnel
    assert "回复率（发了欢迎语的顾客里回过消息的）: 100.0%" in text


def test_a_stage_with_more_customers_than_the_one_before_says_the_ratio_cannot_be_computed() -> None:
    report = Report("2026-01-01", "2026-01-07", None, PushyAlarm())
    report.stages["-"].update({"added": 4, "welcomed": 1, "replied": 4, "recommended": 1, "purchased": 3})
    report.entry.update({"welcomed_replied": 2})  # welcomed before the period, replied in it
    text = render_text(report)
    assert not [p for p in re.findall(r"(\d+(?:\.\d+)?)%", text) if float(p) > 100], text
    assert "无法计算：有人没经过上一步" in text
    assert "回复率（发了欢迎语的顾客里回过消息的）: 无法计算" in text


async def test_first_response_is_the_answer_to_a_message_never_a_follow_up(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, customer="wmQuiet", start=MORNING)
    recorded(sim, store, CollectorRegistry())
    await sim.welcome()
    assert await sim.say("嗯") == []  # a cold word gets no answer, by design
    assert [m.label for m in await sim.wait(2 * DAY)] == ["followup.care"]  # a follow-up answers nothing
    report = await load_report(store, ZONE, "7d", None, PushyAlarm(), sim.now)
    assert not report.first_response()
    sim.now += 60
    assert [m.label for m in await sim.say("包邮吗")] == ["faq:shipping_fee"]  # answered in the same second
    report = await load_report(store, ZONE, "7d", None, PushyAlarm(), sim.now)
    assert report.first_response() == {"n": 1, "mean": 0.0, "p50": 1.0, "p90": 1.0}
    assert "P50 ≤ 1 秒" in render_text(report)


def test_a_first_response_past_the_last_bucket_reads_as_more_than_a_day() -> None:
    assert bound(float("inf")) == "> 86400" and bound(5.0) == "≤ 5"


async def test_a_reply_within_48_hours_of_a_follow_up_counts_for_that_step(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, customer="wmAnswers", start=MORNING)
    recorded(sim, store, CollectorRegistry())
    await sim.welcome()
    assert [m.label for m in await sim.wait(2 * DAY)] == ["followup.care"]
    await sim.say("挺好的谢谢")
    report = await load_report(store, ZONE, "7d", None, PushyAlarm(), sim.now)
    assert report.replies == {"seeds.care": 1}
    assert report.followups["seeds.care"] == {"due": 1, "sent": 1, "confirmed": 1}
    assert report.routes["sent"] == {"direct": 1}


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


async def test_the_html_report_renders_in_a_real_headless_chromium(store: Store, tmp_path: Path) -> None:
    browser = find_chromium()
    if browser is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    now = await journeys(store, CollectorRegistry())
    report = await load_report(store, ZONE, "30d", None, PushyAlarm(min_sent=1), now)
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    source = page.read_text(encoding="utf-8")
    assert not re.search(r"\bsrc=|\bhref=|url\(|@import|fetch\(|XMLHttpRequest", source)  # nothing to load
    dom = await dump_dom(browser, page, tmp_path)
    assert 'data-rendered="1"' in dom, dom[:2000]
    bars = dict(re.findall(r'<rect[^>]*data-label="([^"]+)"[^>]*data-value="(\d+)"', dom))
    assert bars["新客（加好友 / 进客服）"] == str(report.total("added")) == "6"
    assert bars["回过消息"] == "5" and bars["做完调研"] == "1"
    assert bars["live · 新客（加好友 / 进客服）"] == "3" and bars["pkgcard · 回过消息"] == "2"
    assert bars["followup:seeds.care"] == "1" and bars["welcome.invite"] == "1"
    assert "5（83%）" in dom and "⚠" in dom


async def dump_dom(browser: str, page: Path, tmp_path: Path) -> str:
    profile = tempfile.mkdtemp(dir=tmp_path)
    process = await asyncio.create_subprocess_exec(
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", page.as_uri(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    out, _ = await asyncio.wait_for(process.communicate(), 90)
    return out.decode()


async def test_siyu_report_prints_tables_writes_a_page_and_refuses_bad_options(redis_store: Store,
                                                                               tmp_path: Path) -> None:
    await journeys(redis_store, CollectorRegistry(), start=time.time() - 10 * DAY)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "REDIS_URL"))}
    env["REDIS_URL"] = TEST_REDIS_URL

    def siyu(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", "report", *args], capture_output=True, text=True,
                              env={**env, **extra}, timeout=60)

    done = await asyncio.to_thread(siyu, "--since", "30d")
    assert done.returncode == 0, done.stderr
    assert "漏斗" in done.stdout and "live" in done.stdout and "followup:seeds.care" in done.stdout
    page = tmp_path / "r.html"
    done = await asyncio.to_thread(siyu, "--since", "30d", "--channel", "pkgcard", "--html", str(page))
    assert done.returncode == 0 and page.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert "没有数据" not in done.stderr
    done = await asyncio.to_thread(siyu, "--since", "30d", "--channel", "nosuch")  # trial15: a silent zero funnel
    assert done.returncode == 0 and "渠道 “nosuch” 这段时间" in done.stderr, done.stderr
    assert "live" in done.stderr.split("有数据的渠道：")[1] and "pkgcard" in done.stderr, done.stderr
    bad = await asyncio.to_thread(siyu, "--since", "last week")
    assert bad.returncode == 2 and "--since 写法不对" in bad.stderr
    env.pop("REDIS_URL")
    missing = await asyncio.to_thread(siyu)
    assert missing.returncode == 2 and "REDIS_URL" in missing.stderr


def test_an_empty_report_still_renders() -> None:
    report = Report("2026-01-01", "2026-01-07", None, PushyAlarm())
    assert "（没有）" in render_text(report)
    assert 'id="report-data"' in render_html(report)


def test_the_funnel_never_shows_a_bare_dash_where_a_number_belongs() -> None:
    """A customer of no 渠道 is counted under "-": its column is 无渠道; a ratio of nothing says why."""
    report = Report("2026-01-01", "2026-01-07", None, PushyAlarm())
    report.stages["-"].update({"added": 2, "welcomed": 2, "replied": 1})
    report.churn["-"]["deleted"] = 1  # deleted long after the bot last spoke
    text = render_text(report)
    funnel = text.split("漏斗", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    header, rows = funnel[0].split(), [line for line in funnel[2:]]
    assert header[-1] == "无渠道", funnel
    assert not any(cell == "-" for line in rows for cell in line.split()), funnel
    assert "上一步0人" in funnel[-1] and "没有推荐" in "\n".join(funnel)  # 购买 after no recommendation at all
    assert "首次响应时间: 没有数据" in text
    assert "（机器人没说过话）" in text and "没发过" in text
    empty = render_text(Report("2026-01-01", "2026-01-07", None, PushyAlarm()))
    assert "没有新客" in empty and "回复率（发了欢迎语的顾客里回过消息的）: 没有数据" in empty
