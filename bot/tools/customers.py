"""`siyu profile CUSTOMER`, `siyu why CUSTOMER` and `siyu sync-tags`: the running bot's store, read or
reconciled by an operator."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

import aiohttp

from bot.metrics import Metrics
from bot.policy.journal import Journal, describe
from bot.profile.codebook import Codebook
from bot.profile.report import describe_profile
from bot.profile.store import Profiles
from bot.protocol.api import WeComAPI, WeComError
from bot.store.base import Store
from bot.store.factory import open_store
from bot.tagsync.service import TagSync
from bot.tools.commands import _load
from bot.tools.running import running_store_url


def profile(args: argparse.Namespace) -> int:
    url, content = running_store_url("profile"), _load(args)
    if url is None or content is None:
        return 2 if url is None else 1

    async def read(store: Store) -> int:
        found = await store.get(Profiles.key(args.customer))
        if found is None:
            print(f"没有顾客 {args.customer} 的档案（external_userid 写对了吗？）", file=sys.stderr)
            return 1
        for line in describe_profile(await Profiles(store).load(args.customer), content.codebook, time.time()):
            print(line)
        return 0

    return asyncio.run(_with_store(url, read))


def why(args: argparse.Namespace) -> int:
    url = running_store_url("why")
    if url is None:
        return 2

    async def read(store: Store) -> int:
        records = await Journal(store).read(args.customer)
        if not records:
            if await store.get(Profiles.key(args.customer)) is None:
                print(f"没有顾客 {args.customer} 的档案（external_userid 写对了吗？）", file=sys.stderr)
                return 1
            print(f"还没有为顾客 {args.customer} 做过推荐决定")
            return 0
        for record in records[: args.limit]:
            print(time.strftime("%Y-%m-%d %H:%M", time.localtime(float(record.get("at", 0)))), end="  ")
            print("\n".join(describe(record)))
        return 0

    return asyncio.run(_with_store(url, read))


async def _with_store(url: str, job: object) -> int:
    store = open_store(url)
    try:
        result: int = await job(store)  # type: ignore[operator]
        return result
    finally:
        await store.close()


def sync_tags(args: argparse.Namespace) -> int:
    url, content = running_store_url("sync-tags"), _load(args)
    missing = [name for name in ("WECOM_CORP_ID", "WECOM_SECRET") if not os.environ.get(name, "").strip()]
    for name in missing:
        print(f"siyu sync-tags: {name} 没有设置", file=sys.stderr)
    if url is None or missing:
        return 2
    if content is None:
        return 1
    if not content.codebook.tags:
        print("编码本（knowledge/codebook.yaml）里没有标签，不需要同步")
        return 0
    return asyncio.run(_sync(url, content.codebook))


async def _sync(url: str, codebook: Codebook) -> int:
    store = open_store(url)
    async with aiohttp.ClientSession() as session:
        api = WeComAPI(session, store, base_url=os.environ.get("WECOM_API_BASE", "").strip()
                       or "https://qyapi.weixin.qq.com", corp_id=os.environ["WECOM_CORP_ID"].strip(),
                       secret=os.environ["WECOM_SECRET"].strip(), metrics=Metrics())
        try:
            report = await TagSync(store, api, lambda: codebook).reconcile()
        except WeComError as error:
            print(f"siyu sync-tags: 企业微信返回错误 {error.endpoint} errcode {error.errcode}: {error.errmsg}",
                  file=sys.stderr)
            return 1
        finally:
            await store.close()
    for line in report.library.lines():
        print(line)
    print(f"核对了 {report.customers} 位有员工关系的顾客")
    for title, rows in (("员工在企业微信里改的，已同步进档案", report.adopted), ("写到企业微信的", report.marked),
                        ("没有完成（会自动重试）", report.failed)):
        if rows:
            print(f"{title}:\n  " + "\n  ".join(rows))
    return 1 if report.failed else 0
