"""The operator commands against a real Redis and the fake WeCom: siyu groups sync|stats, siyu sync,
siyu moderation log|stats."""

from __future__ import annotations

import asyncio
import os
import sys
import time

from bot.store.redis import RedisStore
from tests.conftest import TEST_REDIS_URL
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import moderation_stack, said


async def siyu(fake: FakeWeCom | None, *args: str, redis: bool = True) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECOM_", "SIYU_", "REDIS_URL"))}
    if redis:
        env["REDIS_URL"] = TEST_REDIS_URL
    if fake is not None:
        env.update(WECOM_CORP_ID=fake.corp_id, WECOM_SECRET=fake.secret, WECOM_API_BASE=fake.base_url)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def seed(fake: FakeWeCom) -> None:
    fake.add_group("wrA", "护肤日常1群", "anna", ["wmA", "wmB"])
    fake.add_group("wrB", "护肤日常2群", "anna", ["wmC"])
    fake.add_group("wrF", "快闪第3期", "bob", ["wmD"])


async def test_groups_sync_then_sync_twice_tells_owners_what_to_attach(redis_store: RedisStore,
                                                                      fake: FakeWeCom) -> None:
    seed(fake)
    code, out, err = await siyu(fake, "groups", "sync")
    assert code == 0, err
    assert "客户群 3 个：核对 3 个" in out and "失败 0 个" in out
    code, out, err = await siyu(fake, "sync")
    assert code == 0, err
    assert out.count(": 新建 tpl") == 4
    assert "违规标签 社群风控/违规: 新建" in out
    assert "【需要设置】 群主 anna: 日常群 的素材" in out and "护肤日常1群、护肤日常2群" in out
    assert "【需要设置】 群主 bob: 快闪群 的素材" in out
    code, again, err = await siyu(fake, "sync")
    assert code == 0, err
    assert again.count("没有变化") == 4 and "违规标签 社群风控/违规: 已存在" in again and "【需要设置】" not in again
    assert len(fake.welcome_templates) == 4


async def test_groups_stats_and_moderation_log_and_stats(redis_store: RedisStore, fake: FakeWeCom) -> None:
    seed(fake)
    async with moderation_stack(redis_store, fake) as stack:
        await stack.groups.reconciler.sync_all()
        stack.groups.clock.now = time.time()  # the commands read the last days by the wall clock
        await stack.moderation.handle(said("m1", "wrA", "wmA", "加我微信 领券", stack.groups.clock()))
        await stack.moderation.handle(said("m2", "wrF", "wmD", "今天天气真好", stack.groups.clock()))
    code, out, err = await siyu(None, "moderation", "log")
    assert code == 0, err
    assert "[acted] 护肤日常1群｜wmA｜contact_invite（contact）｜加我微信 领券｜第 1 次 → notify_owner" in out
    code, out, _ = await siyu(None, "moderation", "log", "--customer", "wmZ")
    assert "没有符合条件的审核记录" in out
    code, out, err = await siyu(None, "moderation", "stats", "--days", "1")
    assert code == 0, err
    assert "审核 2 条，正常 1，豁免 0，违规 1" in out and "违规类别: contact 1" in out and "处理动作: notify_owner 1" in out
    code, out, err = await siyu(None, "groups", "stats")
    assert code == 0, err
    assert "登记的群 3 个，在用 3 个" in out and "daily" in out and "flash" in out
    code, out, err = await siyu(None, "groups", "stats", "--group", "wrA")
    assert code == 0 and "护肤日常1群（daily，群主 anna，3 人，live）" in out


async def test_commands_say_what_is_missing(fake: FakeWeCom) -> None:
    code, _, err = await siyu(None, "groups", "sync", redis=False)
    assert code == 2
    assert err.splitlines() == [
        "siyu groups sync: REDIS_URL 没有设置：这些命令读写的是运行中的机器人的数据",
        "siyu groups sync: WECOM_CORP_ID 没有设置：企业ID",
        "siyu groups sync: WECOM_SECRET 没有设置：自建应用的 Secret",
    ]
    fake.fail("externalcontact/groupchat/list", 60020)
    code, _, err = await siyu(fake, "groups", "sync")
    assert code == 1 and "企业微信返回错误 60020" in err
