"""`siyu report` (the funnel, follow-ups and churn) and `siyu purchase` (tell the bot about an order)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import content_dir_from
from bot.content.source import ContentError
from bot.followups.plans import PushyAlarm
from bot.store.factory import open_store
from bot.tools.running import running_store_url


def _zone() -> ZoneInfo | None:
    name = os.environ.get("SIYU_TIMEZONE", "").strip() or "Asia/Shanghai"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        print(f"SIYU_TIMEZONE 不对：{name!r} 不是时区名（例如 Asia/Shanghai）", file=sys.stderr)
        return None


def _alarm(args: argparse.Namespace) -> PushyAlarm:
    """The "too pushy" thresholds of the content in use (the defaults when it cannot be read)."""
    from bot.engine.content import load_content

    root = Path(args.content).expanduser() if args.content else content_dir_from(os.environ)
    try:
        return load_content(root).plans.pushy_alarm
    except (ContentError, OSError) as error:
        print(f"内容读不了，按默认阈值报警（{str(error).splitlines()[0]}）", file=sys.stderr)
        return PushyAlarm()


def report(args: argparse.Namespace) -> int:
    from bot.funnel.html import render_html
    from bot.funnel.report import Report, channel_name, days_back, load_report, render_text

    url, zone = running_store_url("report"), _zone()
    if url is None or zone is None:
        return 2
    try:
        days_back(args.since, date.today())
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    alarm = _alarm(args)

    async def read() -> tuple[Report, list[str]]:
        store = open_store(url)
        try:
            now = time.time()
            found = await load_report(store, zone, args.since, args.channel, alarm, now)
            if args.channel is None or found.stages:
                return found, []
            return found, (await load_report(store, zone, args.since, None, alarm, now)).channels
        finally:
            await store.close()

    found, others = asyncio.run(read())
    if args.channel is not None and not found.stages:  # a typo reads as an all-zero funnel otherwise
        listed = "、".join(channel_name(c) for c in others) or "（没有，这段时间一条记录都没有）"
        print(f"渠道 “{args.channel}” 这段时间（{found.first} … {found.last}）没有数据。有数据的渠道：{listed}",
              file=sys.stderr)
    if args.html:
        try:
            Path(args.html).write_text(render_html(found), encoding="utf-8")
        except OSError as error:
            print(f"写不了 {args.html}：{error.strerror or error}", file=sys.stderr)
            return 2
        print(f"写好了 {args.html}（{found.first} … {found.last}）")
    else:
        print(render_text(found))
    return 0


def purchase(args: argparse.Namespace) -> int:
    from bot.gateway.orders import order_fields, queue_order
    from bot.gateway.queue import Queue

    url = running_store_url("purchase")
    if url is None:
        return 2
    fields = order_fields({"external_userid": args.customer, "order_id": args.order or f"manual-{time.time_ns()}",
                           "product": args.product or "", "paid_at": args.at or time.time()})
    if isinstance(fields, str):
        print(fields, file=sys.stderr)
        return 2

    async def send() -> tuple[bool, bool]:
        from bot.profile.store import Profiles

        store = open_store(url)
        try:
            known = await store.get(Profiles.key(fields["customer"])) is not None
            return await queue_order(Queue(store), fields), known
        finally:
            await store.close()

    fresh, known = asyncio.run(send())
    print(f"订单 {fields['order_id']} " + ("已交给机器人处理" if fresh else "之前已经记过了"))
    if not known:  # still recorded: a shop may report an order before the customer ever writes
        print(f"注意：机器人还不认识顾客 “{fields['customer']}”（没有档案；顾客 ID 写错了吗？）", file=sys.stderr)
    if fields["product"]:
        _warn_unknown_product(args, fields["product"])
    return 0


def _warn_unknown_product(args: argparse.Namespace, product: str) -> None:
    """Like POST /orders: an id the catalogue lacks is recorded anyway, but the operator hears of it."""
    from bot.understanding.knowledge import load_knowledge

    root = Path(args.content).expanduser() if args.content else content_dir_from(os.environ)
    try:
        known = {p.id for p in load_knowledge(root / "knowledge", root).products}
    except (ContentError, OSError):
        return  # the order is recorded; an unreadable catalogue is siyu check's to report
    if product not in known:
        print(f"注意：商品 “{product}” 不在 knowledge/products.yaml 里（已照样记下；商品 id 写错了吗？）",
              file=sys.stderr)
