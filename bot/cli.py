"""The `siyu` command: serve the bot, and the operators' tools."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from bot.config import ConfigError, load_settings
from bot.content.location import locate_content
from bot.logging_setup import settings_summary, setup_logging

log = logging.getLogger("siyu")


def _serve(_: argparse.Namespace) -> int:
    try:
        settings = load_settings(os.environ)
    except ConfigError as error:
        for problem in error.problems:
            print(f"siyu serve: {problem}", file=sys.stderr)
        return 2
    if settings.groups.msgaudit is not None:  # a wrong library is a configuration mistake: say so now
        from bot.group_messages.finance_sdk import FinanceSdkError, load_library

        try:
            load_library(settings.groups.msgaudit.sdk_path)
        except FinanceSdkError as error:
            print(f"siyu serve: SIYU_MSGAUDIT_SDK 不对：{error}", file=sys.stderr)
            return 2
    from bot.gateway.serving import check_store, serve

    store = asyncio.run(check_store(settings.redis_url))
    if store.problem:
        print(f"siyu serve: {store.problem}", file=sys.stderr)
        return 2
    setup_logging()
    log.info(settings_summary(settings, locate_content(None, os.environ)))
    if store.warning:
        log.warning(store.warning)
    from bot.wiring import make_conversation_factory

    try:
        factory = make_conversation_factory(settings.content_dir, settings.persona,
                                            burst_window=settings.burst_window, timezone=settings.timezone,
                                            handover_timeout=settings.handover_timeout)
    except ValueError as error:
        print(f"siyu serve: 内容目录 {settings.content_dir} 有问题，没有启动：\n{error}", file=sys.stderr)
        return 2
    from bot.app import APP_MONITOR, APP_SERVICES, build_app
    from bot.gateway.serving import ListenError, Monitor

    app = build_app(settings, factory)
    monitor = settings.monitor
    internal = Monitor(app[APP_MONITOR], monitor.host, monitor.port) if monitor.port is not None else None
    try:
        asyncio.run(serve(app, settings.host, settings.port, app[APP_SERVICES].guard, internal))
    except ListenError as error:
        print(f"siyu serve: {error}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    from bot.tools.parser import ChineseRawHelp, SiyuParser

    parser = SiyuParser(
        prog="siyu", description="siyu-bot: 企业微信私域运营机器人 (WeCom bot for private-domain operations)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve", help="启动回调服务 (run the WeCom callback server and workers)",
        formatter_class=ChineseRawHelp,
        description="启动企业微信回调服务和后台任务。配置全部来自环境变量，启动时逐个检查，每个错误一行、退出码 2：\n"
                    "  必填：WECOM_CORP_ID、WECOM_TOKEN、WECOM_AES_KEY、WECOM_SECRET\n"
                    "  常用：REDIS_URL（不设就用进程内存储，只能一个进程）、SIYU_CONTENT（内容目录）、SIYU_PORT、\n"
                    "        SIYU_KF_URL、SIYU_LOG_LEVEL（DEBUG / INFO / WARNING）\n"
                    "完整列表和默认值见 README.md 的“Configuration (siyu serve)”一节。")
    serve.set_defaults(run=_serve)
    from bot.tools import add_tool_commands

    add_tool_commands(commands)
    _describe(commands)
    return parser


def _describe(commands: argparse._SubParsersAction[Any]) -> None:
    """Each command's own --help opens with its line of the list (siyu groups stats -h too)."""
    for action in commands._choices_actions:
        command = commands.choices[action.dest]
        if command.description is None:
            command.description = action.help
        for nested in command._subparsers._group_actions if command._subparsers else ():
            if isinstance(nested, argparse._SubParsersAction):
                _describe(nested)


PIPE_CLOSED = 141  # what a shell reports for a tool that the reader of its output stopped (128 + SIGPIPE)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        result = _main(argv)
        sys.stdout.flush()  # what is still buffered goes now, where a closed pipe can be caught
    except BrokenPipeError:  # `siyu check | head -1`: the reader has all it wanted; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's own flush at exit must not fail again
        os.close(devnull)
        return PIPE_CLOSED
    return result


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    from redis.exceptions import ConnectionError as RedisDown
    from redis.exceptions import TimeoutError as RedisSlow

    try:
        result: int = args.run(args)
    except (RedisDown, RedisSlow) as error:  # the commands that read the running bot's store
        given = "--store" if getattr(args, "store", None) else "REDIS_URL"  # what the operator typed
        print(f"siyu {args.command}: Redis 不应答（{given} 对吗？Redis 在运行吗？）: {error}", file=sys.stderr)
        return 2
    except ValueError as error:
        if "Redis URL" not in str(error):  # redis-py's words for a URL it cannot read
            raise
        given = " --store" if getattr(args, "store", None) else ""  # name the flag the operator typed it in
        print(f"siyu {args.command}{given}: Redis 地址写得不对（应当像 redis://127.0.0.1:6379/0）: {error}",
              file=sys.stderr)
        return 2
    return result


if __name__ == "__main__":
    raise SystemExit(main())
