"""Operator commands for customer groups: `siyu sync`, `siyu groups sync|stats`, `siyu moderation log|stats`.

They work on a running bot's store (REDIS_URL) and, for the sync commands, on WeCom with the app's
credentials (WECOM_CORP_ID, WECOM_SECRET). Output is for operators, in Chinese where it helps.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.groups.settings import DEFAULT_API_PER_MINUTE
from bot.store.base import Store


@dataclass
class Env:
    store: Store
    api: Any  # WeComAPI, or None for commands that only read the store


def _problems(need_wecom: bool) -> list[str]:
    problems = []
    if not os.environ.get("REDIS_URL", "").strip():
        problems.append("REDIS_URL 没有设置：这些命令读写的是运行中的机器人的数据")
    if need_wecom:
        for name, why in (("WECOM_CORP_ID", "企业ID"), ("WECOM_SECRET", "自建应用的 Secret")):
            if not os.environ.get(name, "").strip():
                problems.append(f"{name} 没有设置：{why}")
    return problems


@asynccontextmanager
async def _env(need_wecom: bool) -> AsyncIterator[Env]:
    from bot.metrics import Metrics
    from bot.protocol.api import WeComAPI
    from bot.store.factory import open_store

    store = open_store(os.environ["REDIS_URL"].strip())
    try:
        if not need_wecom:
            yield Env(store, None)
            return
        async with aiohttp.ClientSession() as session:
            api = WeComAPI(session, store, base_url=os.environ.get("WECOM_API_BASE", "").strip()
                           or "https://qyapi.weixin.qq.com", corp_id=os.environ["WECOM_CORP_ID"].strip(),
                           secret=os.environ["WECOM_SECRET"].strip(), metrics=Metrics())
            yield Env(store, api)
    finally:
        await store.close()


def _missing(command: str, need_wecom: bool) -> bool:
    """Say what the environment lacks (before any content is read, so that it is the first thing said)."""
    problems = _problems(need_wecom)
    for problem in problems:
        print(f"siyu {command}: {problem}", file=sys.stderr)
    return bool(problems)


def _run(command: str, need_wecom: bool, work: Callable[[Env], Awaitable[int]]) -> int:
    if _missing(command, need_wecom):
        return 2

    async def main() -> int:
        async with _env(need_wecom) as env:
            return await work(env)

    from bot.protocol.api import WeComError

    try:
        return asyncio.run(main())
    except WeComError as error:
        print(f"siyu {command}: 企业微信返回错误 {error.errcode}: {error.errmsg} ({error.endpoint})", file=sys.stderr)
        return 1


def _reconciler(env: Env, content: Any) -> Any:
    from bot.groups.ratelimit import RateLimit
    from bot.groups.reconcile import Reconciler
    from bot.groups.registry import Registry
    from bot.groups.stats import GroupStats
    from bot.groups.wecom import GroupAPI

    per_minute = int(os.environ.get("SIYU_GROUPS_API_PER_MINUTE", "") or DEFAULT_API_PER_MINUTE)
    attribution = content.ladder.attribution_minutes * 60 if content else 1800
    return Reconciler(GroupAPI(env.api), Registry(env.store), GroupStats(env.store, attribution), lambda: content,
                      get_limit=RateLimit(env.store, "groupchat_get", per_minute),
                      list_limit=RateLimit(env.store, "groupchat_list", per_minute))


def _group_content(args: argparse.Namespace) -> tuple[bool, Any]:
    """(loaded, GroupContent | None); prints the problems when the content is broken."""
    from bot.groups.library import GroupLibrary
    from bot.tools.commands import _load

    content = _load(args)
    if content is None:
        return False, None
    from bot.content.source import ContentError

    try:
        return True, GroupLibrary.load(content).current
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return False, None


# -- siyu groups sync ------------------------------------------------------------------------------------
def groups_sync(args: argparse.Namespace) -> int:
    if _missing("groups sync", True):
        return 2
    ok, content = _group_content(args)
    if not ok:
        return 1

    async def work(env: Env) -> int:
        started = time.monotonic()
        report = await _reconciler(env, content).sync_all(args.owner or None)
        how = "（按群主分批列出）" if report.by_owner_filter else ""
        print(f"客户群 {report.listed} 个{how}：核对 {report.reconciled} 个，"
              f"有变化 {report.changed} 个，新入群 {report.joins} 人，退群 {report.leaves} 人，"
              f"已解散 {report.dismissed} 个，失败 {len(report.failed)} 个")
        print(f"企业微信接口调用 {report.api_calls} 次，等待每分钟配额 {report.waited_s:.0f} 秒，"
              f"用时 {time.monotonic() - started:.1f} 秒")
        for chat_id, error in sorted(report.failed.items()):
            print(f"  失败 {chat_id}: {error}")
        return 1 if report.failed else 0

    return _run("groups sync", True, work)


# -- siyu groups stats -----------------------------------------------------------------------------------
STAT_COLUMNS = (("joins", "入群"), ("leaves", "退群"), ("removed", "被移出"), ("left_after_moderation", "审核后退"),
                ("left_after_flood", "刷屏后退"), ("left_after_broadcast", "群发后退"), ("left_quietly", "其他退群"))


def groups_stats(args: argparse.Namespace) -> int:
    from bot.groups.registry import LIVE, Registry
    from bot.groups.stats import GroupStats

    async def work(env: Env) -> int:
        stats, registry = GroupStats(env.store), Registry(env.store)
        if args.group:
            group = await registry.get(args.group)
            if group is None:
                print(f"没有这个群: {args.group}（先运行 siyu groups sync）", file=sys.stderr)
                return 1
            totals = await stats.for_group(args.group)
            print(f"{group.name}（{group.type or '未分类'}，群主 {group.owner}，"
                  f"{group.member_count} 人，{group.status}）")
            print("  ".join(f"{label} {totals.get(name, 0)}" for name, label in STAT_COLUMNS))
            return 0
        ids = await registry.chat_ids()
        live: dict[str, int] = {}
        for chat_id in ids:
            group = await registry.get(chat_id)
            if group and group.status == LIVE:
                live[group.type or "未分类"] = live.get(group.type or "未分类", 0) + 1
        by_type = await stats.for_types(args.days, time.time())
        print(f"最近 {args.days} 天，按群类型（登记的群 {len(ids)} 个，在用 {sum(live.values())} 个）")
        header = ["类型", "群数"] + [label for _, label in STAT_COLUMNS]
        rows = [[t or "未分类", live.get(t, 0)] + [by_type.get(t, {}).get(n, 0) for n, _ in STAT_COLUMNS]
                for t in sorted(set(live) | set(by_type))]
        print(_table(header, rows))
        return 0

    return _run("groups stats", False, work)


# -- siyu sync -------------------------------------------------------------------------------------------
def sync(args: argparse.Namespace) -> int:
    if _missing("sync", True):
        return 2
    ok, content = _group_content(args)
    if not ok:
        return 1
    if content is None:
        print("内容目录里没有 groups/：没有入群欢迎语需要同步", file=sys.stderr)
        return 1
    from bot.enforcement.tagging import Tagger
    from bot.groups.registry import Registry
    from bot.groups.wecom import GroupAPI
    from bot.groups.welcome import WelcomeSync

    async def work(env: Env) -> int:
        api = GroupAPI(env.api)
        report = await WelcomeSync(api, env.store, Registry(env.store)).sync(content, prune=args.prune)
        words = {"created": "新建", "edited": "已更新", "restored": "已恢复（被人改过）",
                 "recreated": "重建（原素材已不在）", "unchanged": "没有变化", "deleted": "已删除",
                 "unused": "不再使用", "failed": "失败"}
        print("入群欢迎语素材：")
        for change in report.changes:
            detail = f"  {change.detail}" if change.detail else ""
            print(f"  {change.type_name}（{change.type_id}）: {words.get(change.action, change.action)} "
                  f"{change.template_id}{detail}")
        tag_id, created = await Tagger(api, env.store).ensure(content.ladder.tag)
        spec = content.ladder.tag
        print(f"违规标签 {spec.group}/{spec.name}: {'新建' if created else '已存在'} ({tag_id})")
        if report.attachments:
            print("\n企业微信没有接口把素材设置到群上，请群主在客户端（群聊 → 群设置 → 入群欢迎语）里设置：")
            for entry in report.attachments:
                mark = "【需要设置】" if entry.new else "（已有素材，设置过就不用动）"
                more = f" 等 {len(entry.groups)} 个群" if len(entry.groups) > 5 else ""
                groups = "、".join(entry.groups[:5]) + more
                print(f"  {mark} 群主 {entry.owner}: {entry.type_name} 的素材 {entry.template_id} → {groups}")
        elif any(c.template_id for c in report.changes):
            print("\n还没有登记任何客户群：先运行 siyu groups sync，再运行 siyu sync 就能看到每位群主要设置哪个素材")
        return 1 if report.by_action("failed") else 0

    return _run("sync", True, work)


# -- siyu moderation log | stats -----------------------------------------------------------------------------
def moderation_log(args: argparse.Namespace) -> int:
    from bot.enforcement.audit import Audit

    def wanted(entry: dict[str, Any]) -> bool:
        if args.customer and args.customer not in (entry.get("customer"), entry.get("to")):
            return False
        return not args.group or args.group in (entry.get("chat_id"), entry.get("group"))

    async def work(env: Env) -> int:
        audit = Audit(env.store, lambda: 3650)
        kinds = set(args.kind) if args.kind else None
        entries = await audit.read(days=args.days, limit=args.limit, kinds=kinds, match=wanted)
        for entry in entries:
            if args.json:
                print(json.dumps(entry, ensure_ascii=False))
                continue
            when = time.strftime("%m-%d %H:%M:%S", time.localtime(entry.get("at", 0)))
            print(f"{when} {_describe(entry)}")
        if not entries and not args.json:
            print(f"最近 {args.days} 天没有符合条件的审核记录")
        return 0

    return _run("moderation log", False, work)


def _describe(entry: dict[str, Any]) -> str:
    kind = entry.get("kind")
    if kind == "decision":
        head = f"[{entry.get('outcome')}] {entry.get('group', '')}｜{entry.get('customer', '')}｜{entry.get('rule')}" \
               f"（{entry.get('category')}）｜{entry.get('what', '')}"
        if entry.get("outcome") == "acted":
            head += f"｜第 {entry.get('strike')} 次 → {', '.join(entry.get('actions', []))} {entry.get('results', {})}"
        return head
    rest = {k: v for k, v in entry.items() if k not in ("kind", "at")}
    return f"[{kind}] {json.dumps(rest, ensure_ascii=False)}"


def moderation_stats(args: argparse.Namespace) -> int:
    from bot.enforcement.audit import Audit
    from bot.enforcement.blacklist import listed

    async def work(env: Env) -> int:
        totals = await Audit(env.store, lambda: 3650).totals(args.days)
        print(f"最近 {args.days} 天：审核 {totals.get('judged', 0)} 条，正常 {totals.get('clean', 0)}，"
              f"豁免 {totals.get('exempt', 0)}，违规 {totals.get('violations', 0)}；"
              f"黑名单共 {len(await listed(env.store))} 人")
        for prefix, title in (("source:", "来源"), ("category:", "违规类别"), ("type:", "群类型"),
                              ("strike:", "第几次"), ("action:", "处理动作"), ("held:", "只记录不处理")):
            rows = sorted(((k[len(prefix):], v) for k, v in totals.items() if k.startswith(prefix)),
                          key=lambda kv: -kv[1])
            if rows:
                print(f"{title}: " + "  ".join(f"{name} {count}" for name, count in rows))
        return 0

    return _run("moderation stats", False, work)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(str(row[i])) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells)
