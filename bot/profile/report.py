"""A profile as an operator reads it (`siyu profile CUSTOMER`, `/debug` in `siyu chat`)."""

from __future__ import annotations

from datetime import datetime

from bot.profile.codebook import UNKNOWN, Codebook
from bot.profile.model import Profile


def _when(at: float) -> str:
    return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M") if at else "-"


def describe_profile(profile: Profile, codebook: Codebook, now: float) -> list[str]:
    lines = [f"顾客 {profile.customer or '-'}  渠道 {profile.channel or '-'}  第一次 {_when(profile.first_seen)}"
             f"  最近 {_when(profile.last_seen)}  会话 {profile.sessions} 次"]
    answers = []
    for question in codebook.questions:
        code = profile.codes.get(question)
        if code is None:
            answers.append(f"{question}=未问")
        elif code == UNKNOWN:
            answers.append(f"{question}=不知道（{_source(profile.sources.get(question, ''))}）")
        else:
            answers.append(f"{question}={code} {codebook.label(question, code)}"
                           f"（{_source(profile.sources.get(question, ''))}）")
    if answers:
        lines.append("调研: " + "  ".join(answers))
    human = "  ".join(f"{'+' if sign == '+' else '-'}{tag}" for tag, sign in profile.human.items())
    lines.append(f"标签: {' '.join(profile.tags) or '无'}" + (f"  （员工改过: {human}）" if human else ""))
    lines.append(f"别推了: {'是，' + _when(profile.opted_out_at) if profile.opted_out else '否'}"
                 f"  轻轻提过: {_when(profile.light_at) if profile.light_at else '否'}"
                 f"  流失: {_when(profile.churned_at) if profile.churned_at else '否'}")
    if profile.evidence:
        lines.append("需求证据: " + "；".join(f"{kind} {float(weight):+g} {detail}（{_ago(now, float(at))}）"
                                            for kind, weight, at, detail in profile.evidence))
    for title, rows in (("推荐过", profile.offers), ("拒绝过", profile.refusals), ("买过", profile.purchases),
                        ("用过不喜欢", profile.disliked)):
        if rows:
            lines.append(f"{title}: " + "；".join(f"{row[0]} {_when(float(row[1]))}"
                                                 + (f"（{_HOW.get(row[2], row[2])}）" if len(row) > 2 else "")
                                                 for row in rows))
    if profile.staff:
        lines.append("企业微信: " + "；".join(f"员工 {userid}: {' '.join(tags) or '无标签'}"
                                          for userid, tags in profile.staff.items()))
    else:
        lines.append("企业微信: 还没有添加员工（只在微信客服里聊过），标签先记在本地")
    return lines


# where an answer came from, and how an offer was made, in the operator's words (stored as English codes)
_SOURCES = {"said": "顾客自己说的", "survey": "调研时答的", "staff": "员工打的标签"}
_HOW = {"proactive": "主动推荐", "asked": "顾客要的"}


def _source(source: str) -> str:
    return _SOURCES.get(source, source or "来源不明")


def _ago(now: float, at: float) -> str:
    seconds = max(0.0, now - at)
    if seconds >= 86400:
        return f"{seconds / 86400:.0f}天前"
    if seconds >= 3600:
        return f"{seconds / 3600:.0f}小时前"
    return f"{seconds / 60:.0f}分钟前"
