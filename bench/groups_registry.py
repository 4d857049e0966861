"""Group registry: a full reconcile of N groups × M members within WeCom's limits, and store memory per group.

    python -m bench.groups_registry [--groups 10000] [--members 200] [--per-minute 3000] [--redis URL]

The fake WeCom server (tests/fake_wecom.py, on loopback in this process) answers groupchat/list and
groupchat/get with synthetic groups. The reconciler's per-minute budget runs on a virtual clock that
advances only while the limiter waits, so the benchmark shows both the real work (seconds) and the
least time a real run takes at that budget (virtual minutes), and checks that no minute exceeded it.
With --redis (a database of its own: it is flushed), memory per group is measured with MEMORY USAGE
beside the baseline layout (one hash field per member) written in the same process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from typing import Any

import aiohttp

from bench.common import table
from bot.groups.ratelimit import RateLimit
from bot.groups.reconcile import Reconciler
from bot.groups.registry import Registry, group_key, members_key
from bot.groups.stats import GroupStats
from bot.groups.wecom import GroupAPI
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI
from bot.store.base import Store
from bot.store.factory import open_store
from tests.fake_wecom import FakeWeCom

NAMES = ("晓婷", "阿杰", "小美", "王姐", "李娜", "周周", "可可", "大伟", "思思", "婷婷", "陈哥", "丽丽")


class SyntheticWeCom(FakeWeCom):
    """Groups made up on request, so that 2 million members do not have to sit in this process."""

    count: int = 0
    members: int = 0

    def _chat(self, index: int) -> str:
        return f"wrOgQhDgAA{index:020d}"

    def _externalcontact_groupchat_list(self, body: dict[str, Any]) -> dict[str, Any]:
        start, limit = int(body.get("cursor") or 0), int(body["limit"])
        end = min(self.count, start + limit)
        return {"group_chat_list": [{"chat_id": self._chat(i), "status": 0} for i in range(start, end)],
                "next_cursor": str(end) if end < self.count else ""}

    def _externalcontact_groupchat_get(self, body: dict[str, Any]) -> dict[str, Any]:
        chat_id = body["chat_id"]
        index = int(chat_id[10:])
        rng = random.Random(index)
        members = [{"userid": f"owner{index % 300:04d}", "type": 1, "join_time": 1_700_000_000, "join_scene": 1}]
        for n in range(self.members - 1):
            members.append({"userid": f"wm{index:012d}{n:04d}{'x' * 14}", "type": 2,
                            "join_time": 1_700_000_000 + n, "join_scene": rng.choice((1, 2, 3)),
                            "name": rng.choice(NAMES), "group_nickname": ""})
        return {"group_chat": {"chat_id": chat_id, "name": f"护肤日常{index}群", "owner": f"owner{index % 300:04d}",
                               "create_time": 1_700_000_000, "notice": "群公告：文明交流，不发广告",
                               "member_list": members, "admin_list": [], "member_version": f"{index:032x}"}}


class VirtualClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)


async def reconcile(store: Store, fake: SyntheticWeCom, per_minute: int) -> list[list[object]]:
    clock = VirtualClock()
    rows: list[list[object]] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) as session:
        api = WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=Metrics())
        groups_api = GroupAPI(api)
        minutes: Counter[int] = Counter()
        get_limit = RateLimit(store, "bench_get", per_minute, clock=clock, sleep=clock.sleep)
        acquire = get_limit.acquire

        async def counted() -> None:  # each groupchat/get happens at the virtual moment it was allowed
            await acquire()
            minutes[int(clock() // 60)] += 1

        get_limit.acquire = counted  # type: ignore[method-assign]
        reconciler = Reconciler(groups_api, Registry(store), GroupStats(store), lambda: None, get_limit=get_limit,
                                list_limit=RateLimit(store, "bench_list", per_minute, clock=clock, sleep=clock.sleep),
                                clock=clock)
        for label in ("first sync (all new)", "second sync (no change)"):
            minutes.clear()
            started_virtual, started = clock(), time.perf_counter()
            report = await reconciler.sync_all(concurrency=8)
            real = time.perf_counter() - started
            rows.append([label, f"{report.reconciled:,}", f"{report.api_calls:,}", f"{max(minutes.values()):,}",
                         f"{(clock() - started_virtual) / 60:.1f}", f"{real:.1f}",
                         f"{report.reconciled / real:,.0f}", report.changed])
    return rows


async def memory(store: Store, url: str, groups: int, members: int) -> list[list[object]]:
    import redis.asyncio as aioredis

    raw = aioredis.Redis.from_url(url)
    sample = [f"wrOgQhDgAA{i:020d}" for i in range(0, groups, max(1, groups // 200))]
    ours = 0
    for chat_id in sample:
        ours += int(await raw.memory_usage(group_key(chat_id)) or 0)
        ours += int(await raw.memory_usage(members_key(chat_id)) or 0)
    baseline = 0
    for chat_id in sample:  # the obvious layout: one hash field per member
        packed = json.loads(await store.get(members_key(chat_id)) or "{}")
        key = f"bench:baseline:{chat_id}"
        await raw.hset(key, mapping={uid: json.dumps(v, ensure_ascii=False) for uid, v in packed.items()})
        baseline += int(await raw.memory_usage(key) or 0) + int(await raw.memory_usage(group_key(chat_id)) or 0)
        await raw.delete(key)
    await raw.aclose()
    n = len(sample)
    return [["packed member list (siyu-bot)", f"{ours / n / 1024:.1f} KB", f"{ours / n * groups / 2**20:,.0f} MB",
             "1.00"],
            ["one hash field per member (baseline)", f"{baseline / n / 1024:.1f} KB",
             f"{baseline / n * groups / 2**20:,.0f} MB", f"{baseline / ours:.2f}"]]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--per-minute", type=int, default=3000,
                        help="groupchat/get budget (SIYU_GROUPS_API_PER_MINUTE)")
    parser.add_argument("--redis", help="a Redis database of its own (it is flushed); default: the embedded store")
    args = parser.parse_args()
    if args.redis:
        import redis.asyncio as aioredis

        flusher = aioredis.Redis.from_url(args.redis)
        await flusher.flushdb()
        await flusher.aclose()
    store = open_store(args.redis)
    fake = SyntheticWeCom()
    fake.count, fake.members = args.groups, args.members
    await fake.start()
    try:
        rows = await reconcile(store, fake, args.per_minute)
        print(f"\nReconcile {args.groups:,} groups × {args.members} members "
              f"({'Redis' if args.redis else 'embedded store'}), budget {args.per_minute:,} groupchat/get a minute "
              "(WeCom: 10,000 per corp and API)\n")
        print(table(["run", "groups", "API calls", "max gets in a minute", "virtual minutes", "real s", "groups/s",
                     "changed"], rows))
        if args.redis:
            print(f"\nStore memory per group ({args.members} members; MEMORY USAGE over a sample of 200 groups)\n")
            print(table(["layout", "per group", f"× {args.groups:,} groups", "ratio"],
                        await memory(store, args.redis, args.groups, args.members)))
    finally:
        await fake.stop()
        if args.redis:
            import redis.asyncio as aioredis

            flusher = aioredis.Redis.from_url(args.redis)
            await flusher.flushdb()
            await flusher.aclose()
        await store.close()


if __name__ == "__main__":
    asyncio.run(main())
