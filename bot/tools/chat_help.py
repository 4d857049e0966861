"""The commands of `siyu chat`, said once: in /help inside the chat and in `siyu chat --help` (which must not
import the engine to say them)."""

from __future__ import annotations

import unicodedata

COMMANDS = (
    ("/burst 好呀 | 叫我小雨", "一次发出几条消息（用 | 隔开），当作连发"),
    ("/debug", "看当前流程、状态、变量、上下文、顾客档案，上一轮为什么这样回答，以及克制策略最近的决定"),
    ("/wait 3d", "让时间过去（30s 10m 2h 3d，一定要写多久），到期的定时消息和跟进（knowledge/followups.yaml）"
                 "会按时发出来，每批上面写着是第几天几点发的"),
    ("/welcome [渠道]", "换成一位新加好友的顾客（渠道如 live、pkgcard）：发加好友欢迎语，跟进计划从这里开始；"
                      "她下一句话时先点开欢迎语里的客服卡片"),
    ("/buy [商品]", "模拟顾客买了（订单）：记下买的那一款（写了商品名就是它，不写就是正在聊的那一款），"
                   "推销跟进结束，买后关怀开始"),
    ("/delete", "模拟顾客删了员工（/welcome 加过员工的顾客；转人工时也记下流失）"),
    ("/image /voice /sticker /file", "发一张图片 / 一段语音 / 一个表情包 / 一个文件"),
    ("/handback", "转人工之后（会显示「（已转人工…）」，机器人不再回答），模拟人工结束会话：顾客交回机器人"),
    ("/reset", "忘掉这位顾客，从头开始：和刚打开 siyu chat 一样，她重新打开微信客服"),
    ("/help", "再看一遍这些命令"),
    ("/quit /exit", "退出（Ctrl-D 也行）"),
)

NAMES = tuple(word for usage, _ in COMMANDS for word in usage.split() if word.startswith("/"))


def _width(text: str) -> int:
    """Columns a terminal gives the text: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def command_lines() -> str:
    width = max(_width(usage) for usage, _ in COMMANDS) + 2
    return "\n".join(f"  {usage}{' ' * (width - _width(usage))}{what}" for usage, what in COMMANDS)


_ESCAPED = command_lines().replace("{", "{{").replace("}", "}}")  # HELP is a template: {window}
HELP = ("你现在是顾客，直接打字和机器人聊天。像在微信里一样：{window} 秒内连着打的几行算一次连发，\n"
        "机器人等你打完再一起回答（和微信客服里一样）。命令：\n" + _ESCAPED)

DESCRIPTION = ("在终端里扮演顾客和机器人聊天（用内存存储，或 --store 的 Redis）。"
               "SIYU_BURST_WINDOW 秒内（默认 2）连着打的几行算一次连发。聊天里可以用的命令：\n" + command_lines())
