"""/metrics (and /healthz) answer without authentication, and the callback port faces the internet (WeCom calls
it). With SIYU_METRICS_PORT, /metrics leaves the public port and is served on an internal listener
(SIYU_METRICS_HOST, default 127.0.0.1); without it, nothing changes. Mistakes are one line each at start-up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis

from bot.app import APP_MONITOR, build_app
from bot.config import ConfigError, load_settings
from bot.gateway.monitoring import MonitorSettings
from bot.store.base import Store
from tests.conftest import TEST_REDIS_URL
from tests.fake_wecom import FakeWeCom
from tests.gateway_kit import ROOT, EchoConversation, settings
from tests.test_serve_log import free_port, wait_healthy
from tests.wecom import AES_KEY, CORP_ID, TOKEN, callback, text_message

BASE_ENV = {"WECOM_CORP_ID": CORP_ID, "WECOM_TOKEN": TOKEN, "WECOM_AES_KEY": AES_KEY, "WECOM_SECRET": "s",
            "SIYU_CONTENT": str(ROOT)}


def problems_of(**env: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings({**BASE_ENV, **env})
    return raised.value.problems


def test_unset_keeps_metrics_on_the_public_port_and_set_takes_it_off() -> None:
    assert load_settings(BASE_ENV).monitor == MonitorSettings(host="127.0.0.1", port=None)
    assert load_settings({**BASE_ENV, "SIYU_METRICS_PORT": "9100"}).monitor == MonitorSettings("127.0.0.1", 9100)
    chosen = load_settings({**BASE_ENV, "SIYU_METRICS_PORT": "9100", "SIYU_METRICS_HOST": "10.0.0.5"}).monitor
    assert chosen == MonitorSettings("10.0.0.5", 9100)


@pytest.mark.parametrize(("env", "line"), [
    ({"SIYU_METRICS_PORT": "metrics"}, "SIYU_METRICS_PORT 写得不对：应当是 1-65535 的端口号，现在是 'metrics'"),
    ({"SIYU_METRICS_PORT": "70000"}, "SIYU_METRICS_PORT 写得不对：应当是 1-65535 的端口号，现在是 '70000'"),
    ({"SIYU_METRICS_PORT": "8080"}, "SIYU_METRICS_PORT 写得不对：8080 就是回调用的 SIYU_PORT；内部端口要用另一个（如 9100）"),
    ({"SIYU_METRICS_HOST": "127.0.0.1"}, "SIYU_METRICS_HOST 设置了，但没有设置 SIYU_METRICS_PORT"),
    ({"SIYU_METRICS_PORT": "9100", "SIYU_METRICS_HOST": "http://10.0.0.5:9100"},
     "SIYU_METRICS_HOST 写得不对：应当是监听的地址（如 127.0.0.1、10.0.0.5 或主机名），不带 http:// 和端口"),
])
def test_each_mistake_is_one_line_naming_the_variable(env: dict[str, str], line: str) -> None:
    [problem] = problems_of(**env)
    assert problem.startswith(line), problem


async def test_the_app_factory_serves_metrics_only_on_the_internal_app(fake: FakeWeCom, store: Store,
                                                                      aiohttp_client: Any) -> None:
    app = build_app(settings(fake.base_url, monitor=MonitorSettings(port=9100)), lambda _: EchoConversation(),
                    store=store)
    public = await aiohttp_client(app)
    internal = await aiohttp_client(app[APP_MONITOR])
    query, body = callback(text_message("zhangsan", "hi", "9100"))
    assert (await public.post("/wecom/callback", params=query, data=body)).status == 200
    assert (await public.get("/metrics")).status == 404
    assert (await public.get("/healthz")).status == 200  # the load balancer's check stays public
    response = await internal.get("/metrics")
    assert response.status == 200
    assert 'siyu_callbacks_total{kind="app_message",outcome="accepted"} 1.0' in await response.text()
    assert (await internal.get("/healthz")).status == 200
    assert (await internal.post("/wecom/callback", params=query, data=body)).status == 404  # monitoring only
    default = build_app(settings(fake.base_url), lambda _: EchoConversation(), store=store)
    assert APP_MONITOR not in default
    assert (await (await aiohttp_client(default)).get("/metrics")).status == 200  # unset: as before


async def test_a_real_siyu_serve_listens_for_metrics_on_the_internal_port(fake: FakeWeCom) -> None:
    raw = aioredis.Redis.from_url(TEST_REDIS_URL)
    await raw.flushdb()
    await raw.aclose()
    port, metrics_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIYU_", "WECOM_", "REDIS_URL"))}
    env.update(BASE_ENV, WECOM_SECRET=fake.secret, WECOM_API_BASE=fake.base_url, REDIS_URL=TEST_REDIS_URL,
               SIYU_HOST="127.0.0.1", SIYU_PORT=str(port), SIYU_METRICS_PORT=str(metrics_port),
               SIYU_KF_URL="https://work.weixin.qq.com/kfid/kfcM", PYTHONPATH=str(ROOT))
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "serve", env=env,
                                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session, f"http://127.0.0.1:{port}", process)
            async with session.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 404
            async with session.get(f"http://127.0.0.1:{metrics_port}/metrics") as response:
                assert response.status == 200 and "siyu_queue_depth" in await response.text()
            async with session.get(f"http://127.0.0.1:{metrics_port}/healthz") as response:
                assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, stderr.decode()
    assert (f"metrics on 127.0.0.1:{metrics_port} (/metrics and /healthz; /metrics is not served on "
            f"127.0.0.1:{port})") in stderr.decode()
