"""Operator tools behind the `siyu` command: check, chat, test, diagram, eval, misses, deadletters, forget."""

from __future__ import annotations

import argparse
from typing import Any


def add_tool_commands(commands: Any) -> None:
    from bot.tools import commands as run

    def content_option(parser: argparse.ArgumentParser, positional: bool = False) -> None:
        help_text = "内容目录（含 flows/ persona/ knowledge/），默认 SIYU_CONTENT 或自带的示例"
        if positional:
            parser.add_argument("content", nargs="?", metavar="DIR", help=help_text)
        else:
            parser.add_argument("--content", metavar="DIR", help=help_text)

    check = commands.add_parser("check", help="检查流程、人设、知识库：格式、引用、死状态（出错时退出码 1）")
    content_option(check, positional=True)
    check.set_defaults(run=run.check)

    chat = commands.add_parser("chat", help="在终端里扮演顾客和小丸子聊天（/debug /wait 3d /reset /image /quit）")
    content_option(chat)
    chat.add_argument("--channel", default="", help="顾客来自的渠道（渠道活码的 State），如 live、pkgcard")
    chat.add_argument("--persona", default=None, help="人设文件名（persona/ 下，不带 .yaml）")
    chat.set_defaults(run=run.chat)

    test = commands.add_parser("test", help="运行对话测试（YAML：顾客说什么、小丸子该回什么）")
    test.add_argument("path", nargs="?", metavar="PATH", help="测试文件或目录，默认 内容目录/flows/tests")
    content_option(test)
    test.add_argument("--coverage", action="store_true", help="列出没有被测试走到的流程规则，有遗漏时退出码 1")
    test.set_defaults(run=run.test)

    diagram = commands.add_parser("diagram", help="输出流程的 Mermaid 状态图")
    diagram.add_argument("flow", metavar="FLOW", help="流程名（flows/ 下的文件名，不带 .yaml）")
    content_option(diagram)
    diagram.set_defaults(run=run.diagram)

    evaluate = commands.add_parser("eval", help="用标注问题集评估知识库匹配：准确率、误答率、反问率")
    evaluate.add_argument("--set", dest="labelled", metavar="FILE",
                          help="标注集；默认 内容目录/knowledge/tests/ 里的 eval.yaml（调参用）和 heldout.yaml（留出）")
    evaluate.add_argument("--failures", action="store_true", help="列出每一条没答对的问句和原因")
    content_option(evaluate)
    evaluate.set_defaults(run=run.evaluate)

    misses = commands.add_parser("misses", help="列出“差一点就匹配上”的顾客问题和候选 FAQ，方便补充问法")
    misses.add_argument("--limit", type=int, default=50, help="最多显示多少条（默认 50）")
    misses.set_defaults(run=run.misses)

    from bot.tools import operations

    dead = commands.add_parser("deadletters",
                               help="列出放弃发送的消息（死信，含完整内容）；--replay 补发仍在回复窗口内的")
    dead.add_argument("--replay", action="store_true", help="补发：窗口已关闭的记为 expired，成功的从列表删除")
    dead.add_argument("--limit", type=int, default=200, help="最多列出多少条（默认 200）")
    dead.set_defaults(run=operations.deadletters)

    forget = commands.add_parser("forget", help="删除一位顾客的全部数据（个人信息保护法：顾客要求删除时）")
    forget.add_argument("customer", metavar="CUSTOMER", help="顾客的 external_userid（或成员的 userid）")
    forget.set_defaults(run=operations.forget)
