"""`siyu report`: the funnel, follow-ups and churn of the last days, read from the daily counts.

Counts are by the local day each event happened; a customer counts once per stage, the first time.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.followups.plans import PushyAlarm
from bot.funnel.stages import CHURN_KINDS, DAY_KEY, FRT_BUCKETS, NO_CHANNEL, OUTCOMES, SEP, STAGE_NAMES, STAGES
from bot.store.base import Store

Counts = dict[str, int]


@dataclass
class Report:
    first: str
    last: str
    channel: str | None
    alarm: PushyAlarm
    stages: dict[str, Counts] = field(default_factory=lambda: defaultdict(dict))  # channel → stage → n
    frt: dict[str, Counts] = field(default_factory=lambda: defaultdict(dict))  # channel → n/sum/bucket → n
    followups: dict[str, Counts] = field(default_factory=lambda: defaultdict(dict))  # plan.step → outcome → n
    routes: dict[str, Counts] = field(default_factory=lambda: defaultdict(dict))  # sent|confirmed → route → n
    reasons: dict[str, Counts] = field(default_factory=lambda: defaultdict(dict))  # outcome → reason → n
    replies: Counts = field(default_factory=dict)  # plan.step → replies within 48 h
    sent: Counts = field(default_factory=dict)  # step → bot messages
    churn: dict[str, Counts] = field(default_factory=lambda: defaultdict(dict))  # step → kind → n
    entry: Counts = field(default_factory=dict)  # wrote_first | welcomed_replied → n (stages.py)

    @property
    def channels(self) -> list[str]:
        """Channels by new customers, most first."""
        return sorted(self.stages, key=lambda c: (-self.stages[c].get("added", 0), c))

    def total(self, stage: str) -> int:
        return sum(counts.get(stage, 0) for counts in self.stages.values())

    def reply_rate(self) -> float | None:
        """Of the customers welcomed, how many wrote afterwards: a customer who wrote without a welcome (a
        returning kf customer) is not a reply to one, and counting her made 30100% out of 301 / 1."""
        welcomed, replied = self.total("welcomed"), self.entry.get("welcomed_replied", 0)
        return replied / welcomed if welcomed > 0 and replied <= welcomed else None  # more: welcomed before

    def first_response(self) -> dict[str, float]:
        merged: Counts = defaultdict(int)
        for counts in self.frt.values():
            for name, value in counts.items():
                merged[name] += value
        n = merged.get("n", 0)
        if not n:
            return {}
        return {"n": n, "mean": merged.get("sum", 0) / n, "p50": _quantile(merged, 0.5), "p90": _quantile(merged, 0.9)}

    def churn_rows(self) -> list[dict[str, Any]]:
        rows = []
        for step in sorted(set(self.churn) | {s for s in self.sent if s in self.churn}):
            kinds = self.churn.get(step, {})
            lost = sum(kinds.get(k, 0) for k in CHURN_KINDS)
            sent = self.sent.get(step, 0)
            rate = lost / sent if sent else None
            pushy = rate is not None and sent >= self.alarm.min_sent and rate >= self.alarm.churn_rate
            rows.append({"step": step, "sent": sent, **{k: kinds.get(k, 0) for k in CHURN_KINDS}, "rate": rate,
                         "pushy": pushy})
        return sorted(rows, key=lambda r: (-(r["rate"] or 0), -r["deleted"] - r["opted_out"], r["step"]))

    def to_dict(self) -> dict[str, Any]:
        return {"first": self.first, "last": self.last, "channel": self.channel, "stages": list(STAGES),
                "stage_names": STAGE_NAMES, "by_channel": {c: dict(self.stages[c]) for c in self.channels},
                "channel_names": {c: channel_name(c) for c in self.channels},
                "totals": {s: self.total(s) for s in STAGES}, "reply_rate": self.reply_rate(),
                "first_response": self.first_response(), "outcomes": list(OUTCOMES),
                "followups": {k: dict(v) for k, v in sorted(self.followups.items())},
                "routes": {k: dict(v) for k, v in self.routes.items()},
                "reasons": {k: dict(v) for k, v in self.reasons.items()}, "replies": dict(self.replies),
                "churn": self.churn_rows(), "alarm": self.alarm.model_dump()}


def bound(seconds: float) -> str:
    """A quantile's bucket bound as read: "≤ 5", or "> 86400" past the last bucket."""
    return f"≤ {seconds:g}" if seconds != float("inf") else f"> {FRT_BUCKETS[-1]}"


def _quantile(buckets: Counts, q: float) -> float:
    """Upper bound of the histogram bucket holding the q-quantile (seconds)."""
    target, seen = q * buckets.get("n", 0), 0
    for bound in (*FRT_BUCKETS, "inf"):
        seen += buckets.get(str(bound), 0)
        if seen >= target:
            return float("inf") if bound == "inf" else float(bound)
    return float("inf")


def days_back(since: str, today: date) -> list[date]:
    """`7d` → the last 7 local days including today; `2026-11-01` → from that day to today."""
    match = re.fullmatch(r"(\d{1,3})d", since.strip())
    if match:
        count = max(1, int(match.group(1)))
        return [today - timedelta(days=n) for n in range(count - 1, -1, -1)]
    try:
        first = date.fromisoformat(since.strip())
    except ValueError:
        raise ValueError(f"--since 写法不对：“{since}”，例如 7d、30d 或 2026-11-01") from None
    if first > today:
        raise ValueError(f"--since {since} 在今天之后")
    return [first + timedelta(days=n) for n in range((today - first).days + 1)][-400:]


async def load_report(store: Store, zone: ZoneInfo, since: str, channel: str | None, alarm: PushyAlarm,
                      now: float) -> Report:
    days = days_back(since, datetime.fromtimestamp(now, zone).date())
    report = Report(days[0].isoformat(), days[-1].isoformat(), channel, alarm)
    for day in days:
        for name, raw in (await store.hgetall(DAY_KEY + day.isoformat())).items():
            parts = name.split(SEP)
            if len(parts) < 3 or (channel is not None and parts[0] != channel):
                continue
            _add(report, parts, int(raw))
    return report


def _add(report: Report, parts: list[str], value: int) -> None:
    channel, kind, rest = parts[0], parts[1], parts[2:]

    def bump(table: Counts, key: str) -> None:
        table[key] = table.get(key, 0) + value

    if kind == "stage":
        bump(report.stages[channel], rest[0])
    elif kind == "frt":
        bump(report.frt[channel], rest[0])
    elif kind == "sent":
        bump(report.sent, rest[0])
    elif kind == "churn" and len(rest) == 2:
        bump(report.churn[rest[1]], rest[0])
    elif kind == "fu" and len(rest) == 2:
        bump(report.followups[rest[0]], rest[1])
    elif kind == "furoute" and len(rest) == 2:
        bump(report.routes[rest[0]], rest[1])
    elif kind == "fureason" and len(rest) == 2:
        bump(report.reasons[rest[0]], rest[1])
    elif kind == "fureply":
        bump(report.replies, rest[0])
    elif kind == "entry":
        bump(report.entry, rest[0])


# -- text ----------------------------------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        padded = [c + " " * (w - _width(c)) if i == 0 else " " * (w - _width(c)) + c
                  for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line([str(c) for c in r]) for r in rows)])


# what a cell says when there is nothing to compute, in words: a bare "-" read as a number that went missing
NO_DATA = "没有数据"
NO_STEP = "（机器人没说过话）"  # churn long after the bot last spoke: no step to put it down to


def channel_name(channel: str) -> str:
    """A customer who came by no 渠道活码 is counted under NO_CHANNEL ("-"), shown as 无渠道."""
    return "无渠道" if channel == NO_CHANNEL else channel


def _pct(part: int, whole: int, none: str) -> str:
    """part of whole, or `none` (why there is no ratio) when whole is 0; never above 100%: more customers
    than the step before had means some came by another way, and the ratio says nothing."""
    if not whole:
        return none
    return f"{part / whole:.0%}" if part <= whole else "无法计算：有人没经过上一步"


def render_text(report: Report) -> str:
    out = [f"siyu report {report.first} … {report.last}" + (f"  渠道 {report.channel}" if report.channel else "")]
    channels = report.channels[:6]
    added = report.total("added")
    rows = []
    previous = added
    for stage in STAGES:
        total = report.total(stage)
        base = report.total("recommended") if stage in ("accepted", "refused") else previous
        before = "没有推荐" if stage in ("accepted", "refused") else "上一步0人"
        step_part = report.entry.get("welcomed_replied", 0) if stage == "replied" else total  # after a welcome
        rows.append([STAGE_NAMES[stage], str(total), _pct(total, added, "没有新客"), _pct(step_part, base, before),
                     *(str(report.stages[c].get(stage, 0)) for c in channels)])
        if stage not in ("accepted", "refused"):
            previous = total
    out += ["", "漏斗（按事件发生的日子；每位顾客每一步只算第一次）",
            table(["阶段", "人数", "占新客", "占上一步", *map(channel_name, channels)], rows)]
    wrote_first = report.entry.get("wrote_first", 0)
    if wrote_first:
        out.append(f"其中 {wrote_first} 位新客没有加好友 / 进客服的记录（回访的客服顾客、机器人上线前就在聊的）："
                   "第一条消息算作进入漏斗；她们没收到欢迎语，回过消息的“占上一步”和回复率只算收到欢迎语的顾客")
    frt = report.first_response()
    rate = report.reply_rate()
    unrated = (f"{NO_DATA}（这段时间没有发过欢迎语）" if not report.total("welcomed") else
               "无法计算：回过消息的顾客有些是在这段时间之前收到的欢迎语（把 --since 放长一点）")
    out += ["", "回复率（发了欢迎语的顾客里回过消息的）: " + (f"{rate:.1%}" if rate is not None else unrated),
            "首次响应时间: " + (f"{frt['n']:.0f} 位顾客，平均 {frt['mean']:.1f} 秒，P50 {bound(frt['p50'])} 秒，"
                           f"P90 {bound(frt['p90'])} 秒" if frt else f"{NO_DATA}（这段时间没有回答过顾客的消息）")]
    names = {"due": "到期", "sent": "已发出", "confirmed": "已确认", "cancelled": "取消", "undeliverable": "发不出",
             "skipped": "跳过", "dropped": "作废"}
    rows = [[step, *(str(counts.get(o, 0)) for o in OUTCOMES), str(report.replies.get(step, 0))]
            for step, counts in sorted(report.followups.items())]
    headers = ["计划.步骤", *(names[o] for o in OUTCOMES), "48小时内回复"]
    out += ["", "跟进", table(headers, rows) if rows else "（没有）"]
    for outcome in ("sent", "confirmed"):
        routes = report.routes.get(outcome, {})
        if routes:
            out.append(f"  {names[outcome]}的途径: " + "，".join(f"{r} {n}" for r, n in sorted(routes.items())))
    for outcome in ("cancelled", "undeliverable", "skipped", "dropped"):
        reasons = report.reasons.get(outcome, {})
        if reasons:
            top = sorted(reasons.items(), key=lambda item: -item[1])[:5]
            out.append(f"  {names[outcome]}的原因: " + "；".join(f"{r} ×{n}" for r, n in top))
    rows = [[NO_STEP if r["step"] == "-" else r["step"], str(r["sent"]), str(r["deleted"]), str(r["opted_out"]),
             "没发过" if r["rate"] is None else f"{r['rate']:.1%}", "⚠ 太急了" if r["pushy"] else ""]
            for r in report.churn_rows()]
    out += ["", f"流失（删好友 / 说别推了，算到之前 48 小时内机器人最后一条消息的那一步；"
                f"≥ {report.alarm.churn_rate:.0%} 且发过 ≥ {report.alarm.min_sent} 条就报警）",
            table(["步骤", "发过", "删好友", "别推了", "流失率", ""], rows) if rows else "（没有）"]
    return "\n".join(out)
