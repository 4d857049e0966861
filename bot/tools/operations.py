"""Operator commands on a running bot's store: dead letters (list, replay) and forgetting a customer."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

from bot.config import ConfigError, load_settings
from bot.gateway.deadletters import DeadLetter, DeadLetters
from bot.store.base import Store
from bot.store.factory import open_store
from bot.tools.running import running_store_url

FORGOTTEN = {  # bot/retention/forget.py's counts, as `siyu forget` says them (the CLI speaks Chinese)
    "keys": "存储键", "index entries": "索引项", "queued events": "排队的事件", "timers": "定时",
    "log records": "日志记录", "moderation keys": "群审核记录", "audit records": "审核留档",
    "owner notices": "群主通知", "group memberships": "群成员记录",
}


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def _describe(letter: DeadLetter, now: float) -> str:
    if letter.type == "send":
        payload = letter.payload
        text = str(payload.get("text", {}).get("content", "") if isinstance(payload.get("text"), dict) else "")
        what = f"{letter.endpoint} {payload.get('msgid', '')} {text[:30]!r}"
        until = time.strftime("%m-%d %H:%M", time.localtime(letter.deadline))
        window = f"  可补发至 {until}" if letter.deadline else ""
    else:
        what = f"event {letter.fields.get('kind', '')} {letter.event}"
        window = ""
    return f"{letter.id}  {letter.status:7}  {_age(now - letter.at):>4} 前  {what}\n    {letter.error}{window}"


def deadletters(args: argparse.Namespace) -> int:
    url = running_store_url("deadletters")
    if url is None:
        return 2
    if args.replay:
        try:
            settings = load_settings(os.environ)
        except ConfigError as error:
            for problem in error.problems:
                print(f"siyu deadletters --replay: {problem}", file=sys.stderr)
            return 2
        counts = asyncio.run(_replay(url, settings.api_base, settings.corp_id, settings.secret))
        print(f"补发 {counts['replayed']} 条，已过期 {counts['expired']} 条，仍失败 {counts['failed']} 条")
        return 1 if counts["failed"] else 0
    letters = asyncio.run(_list(url, args.limit))
    if not letters:
        print("没有死信：所有消息都已送达或按规则放弃")
        return 0
    now = time.time()
    for letter in letters:
        print(_describe(letter, now))
    dead = sum(1 for letter in letters if letter.status == "dead")
    print(f"\n共 {len(letters)} 条（{dead} 条可用 siyu deadletters --replay 补发；expired 的回复窗口已关闭，不会再发）")
    return 0


async def _list(url: str, limit: int) -> list[DeadLetter]:
    store = open_store(url)
    try:
        return [letter for _, letter in await DeadLetters(store).list(limit)]
    finally:
        await store.close()


async def _replay(url: str, api_base: str, corp_id: str, secret: str) -> dict[str, int]:
    import aiohttp

    from bot.gateway.queue import Queue
    from bot.metrics import Metrics
    from bot.protocol.api import WeComAPI

    store: Store = open_store(url)
    try:
        async with aiohttp.ClientSession() as session:
            api = WeComAPI(session, store, base_url=api_base, corp_id=corp_id, secret=secret, metrics=Metrics())
            queue = Queue(store)

            async def send(endpoint: str, payload: dict[str, object]) -> None:
                await api.call(endpoint, payload)

            async def requeue(letter: DeadLetter) -> None:
                await queue.requeue(letter.stream, letter.fields, letter.event)

            return await DeadLetters(store).replay(send, requeue)
    finally:
        await store.close()


def forget(args: argparse.Namespace) -> int:
    url = running_store_url("forget")
    if url is None:
        return 2
    from bot.retention.forget import forget as erase

    async def run() -> dict[str, int]:
        store = open_store(url)
        try:
            return await erase(store, args.customer)
        finally:
            await store.close()

    counts = asyncio.run(run())
    if not any(counts.values()):  # exit 0 all the same: nothing is kept about this id, which is what was asked
        print(f"没有顾客 {args.customer} 的任何数据，没有要删除的（顾客 ID 写对了吗？应为 external_userid，如 wm…）")
        return 0
    summary = "，".join(f"{FORGOTTEN.get(kind, kind)} {count}" for kind, count in counts.items() if count)
    print(f"已删除顾客 {args.customer} 的全部数据：{summary}")
    return 0
