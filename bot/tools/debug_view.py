"""What `siyu chat` shows on /debug: the conversation's state in an operator's words, not Python's reprs."""

from __future__ import annotations

from typing import Any

from bot.engine.session import Session

# the conversation's short-term memory (engine/memory.py), as an operator would call each item
_CONTEXT = {"product": "在聊的商品", "recommended": "刚推荐的商品", "topic": "刚回答的 FAQ", "choice": "给过的编号选择",
            "offered_human": "问过要不要转人工", "open_question": "问过的开放问题",
            "condition": "刚回答的那句话", "other_question": "答了别的题后再问过"}
_TIMERS = {"silence": "等顾客回复（silence）", "burst": "等连发结束"}


def state_lines(session: Session, next_followup: str) -> list[str]:
    where = f"{session.flow}.{session.state}" if session.flow else "不在流程里"
    head = (f"流程/状态: {where}  人设: {session.persona}  渠道: {session.channel or '无'}  "
            f"内容版本: {session.version or '-'}")
    slots = "  ".join(f"{name}={_value(value)}" for name, value in session.slots.items()) or "无"
    context = "  ".join(f"{_CONTEXT.get(name, name)}: {_value(item.get('value') if isinstance(item, dict) else item)}"
                        + (_turn(item["turn"]) if isinstance(item, dict) and "turn" in item else "")
                        for name, item in session.context.items()) or "无"
    timer = session.timer
    waiting = _TIMERS.get(str(timer.get("kind")), str(timer.get("kind"))) if isinstance(timer, dict) else "无"
    return [head, f"变量: {slots}", f"上下文: {context}", f"定时: {waiting}  下一条跟进: {next_followup or '无'}"]


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None or value == "":
        return "（空）"
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def _turn(turn: Any) -> str:
    """Her messages are counted from 1 (engine.py: `turns` goes up as one is answered); 0 is before her first one,
    the welcome — “第 0 轮” read as a count from 0."""
    return "（开场：她还没说话）" if str(turn) == "0" else f"（她第 {turn} 次说话时）"
