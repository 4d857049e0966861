"""argparse in the CLI's language: the help and the usage line say 用法 / 参数 / 选项 like every other line of
`siyu`, instead of argparse's English headings ("usage:", "options:") among Chinese help texts."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from typing import Any, NoReturn

USAGE = "用法: "

# argparse's own error messages (Python 3.11-3.13), said the way the rest of `siyu` speaks; others stay as they are
_ERRORS = (
    (re.compile(r"^the following arguments are required: (.+)$"), r"缺少 \1"),
    (re.compile(r"^argument COMMAND: invalid choice: '(.+?)' \(choose from (.+)\)$"), r"没有命令 “\1”；可用的有 \2"),
    (re.compile(r"^unrecognized arguments: (.+)$"), r"不认识的参数 \1"),
    (re.compile(r"^argument (\S+?): expected one argument$"), r"\1 后面要写一个值"),
    (re.compile(r"^argument (\S+?): invalid (\w+) value: (.+)$"), r"\1 的值 \3 不对"),
    (re.compile(r"^argument (\S+?): (.+)$"), r"\1：\2"),  # a type of ours said why (应为正整数)
)


def in_chinese(message: str) -> str:
    for pattern, said in _ERRORS:
        if pattern.match(message):
            return pattern.sub(said, message)
    return message


class ChineseHelp(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class ChineseRawHelp(ChineseHelp, argparse.RawDescriptionHelpFormatter):
    """A description written in lines of its own (siyu serve's list of variables) keeps them."""


class SiyuParser(argparse.ArgumentParser):
    """The parser of `siyu` and of each of its commands (add_subparsers makes them of this class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", ChineseHelp)
        help_wanted = kwargs.pop("add_help", True)
        kwargs["add_help"] = False  # ours, in Chinese, below
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        if help_wanted:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示这段帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: {in_chinese(message)}（{self.prog} -h 看帮助）\n")
