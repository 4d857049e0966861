"""Operator tools behind the `siyu` command: check, chat, test, diagram, eval, misses, deadletters, forget,
profile, why, sync-tags, report, purchase, moderate, sync, groups, moderation."""

from __future__ import annotations

import argparse
from typing import Any


def positive_int(text: str) -> int:
    """argparse type for counts such as --limit: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数：{text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"应为正整数（至少 1）：{text}")
    return value


def customer_id(text: str) -> str:
    """argparse type for a customer id: what was pasted with it (spaces, a tab, the \\r of a CRLF file) is not part
    of it; `siyu forget "wmX "` looked for "wmX ", found nothing and said so while wmX's data stayed."""
    value = text.strip()
    if not value:
        raise argparse.ArgumentTypeError("顾客 ID 是空的：应为 external_userid（如 wm…）")
    return value


def add_tool_commands(commands: Any) -> None:
    from bot.tools import commands as run

    def content_option(parser: argparse.ArgumentParser, positional: bool = False) -> None:
        help_text = ("内容目录（含 flows/ persona/ knowledge/）。不写时依次用：环境变量 SIYU_CONTENT；"
                     "当前目录（flows/ persona/ knowledge/ 三个都在时）；自带的示例。用的是哪一个会在 stderr 说一行")
        if positional:  # siyu check DIR: kept beside --content DIR
            parser.add_argument("folder", nargs="?", metavar="DIR", help=f"{help_text}；同 --content DIR")
        parser.add_argument("--content", metavar="DIR", help=help_text)

    check = commands.add_parser("check", help="检查流程、人设、知识库：格式、引用、死状态（出错时退出码 1）")
    content_option(check, positional=True)
    check.set_defaults(run=run.check)

    from bot.tools.chat_help import DESCRIPTION, NAMES
    from bot.tools.parser import ChineseRawHelp

    chat = commands.add_parser("chat", help=f"在终端里扮演顾客和机器人聊天（{' '.join(NAMES)}）",
                               description=DESCRIPTION, formatter_class=ChineseRawHelp)
    content_option(chat)
    chat.add_argument("--channel", default="", help="顾客来自的渠道（渠道活码的 State），如 live、pkgcard")
    chat.add_argument("--persona", default=None, help="人设文件名（persona/ 下，不带 .yaml）")
    chat.add_argument("--store", metavar="REDIS_URL", default=None,
                      help="把对话、档案、推荐原因和漏斗写进这个 Redis（请用单独的库，如 redis://127.0.0.1:6379/9），"
                           "之后可以用 siyu profile / why / report 看；默认只在内存里")
    chat.add_argument("--customer", default="wm_chat_customer",
                      help="扮演的顾客 ID（配合 --store），默认 wm_chat_customer")
    chat.set_defaults(run=run.chat)

    test = commands.add_parser("test", help="运行对话测试（YAML：顾客说什么、小丸子该回什么）")
    test.add_argument("path", nargs="?", metavar="PATH", help="测试文件或目录，默认 内容目录/flows/tests")
    content_option(test)
    test.add_argument("--coverage", action="store_true", help="列出没有被测试走到的流程规则，有遗漏时退出码 1")
    test.add_argument("-q", "--quiet", action="store_true", help="只列出失败的测试（不逐条打印 ok），再是汇总")
    test.set_defaults(run=run.test)

    diagram = commands.add_parser("diagram", help="输出流程的 Mermaid 状态图")
    diagram.add_argument("flow", metavar="FLOW", help="流程名（flows/ 下的文件名，不带 .yaml）")
    content_option(diagram)
    diagram.set_defaults(run=run.diagram)

    evaluate = commands.add_parser("eval", help="用标注问题集评估知识库匹配：准确率、误答率、反问率")
    evaluate.add_argument("--set", dest="labelled", metavar="FILE",
                          help="标注集；默认 内容目录/knowledge/tests/ 里的 eval.yaml（调参用）、"
                               "heldout.yaml（留出）、fresh.yaml 和 blind*.yaml（盲写）")
    evaluate.add_argument("--failures", action="store_true",
                          help="列出每一条没答对的问句和原因（盲写的几份只给总数，不列句子）")
    evaluate.add_argument("--engine", action="store_true",
                          help="整个机器人来回答（意图、安全提醒、推荐策略、商品回答都算上，像顾客第一次发这句话）："
                               "看顾客实际收到什么，而不只是知识库匹配")
    content_option(evaluate)
    evaluate.set_defaults(run=run.evaluate)

    misses = commands.add_parser("misses", help="列出没答上（说了 fallback）和“差一点就匹配上”的顾客问题"
                                                "及候选 FAQ，方便补充问法（需要 REDIS_URL）")
    misses.add_argument("--limit", type=positive_int, default=50, help="最多显示多少条（默认 50）")
    misses.set_defaults(run=run.misses)

    from bot.tools import operations

    dead = commands.add_parser("deadletters",
                               help="列出放弃发送的消息（死信，含完整内容）；--replay 补发仍在回复窗口内的"
                                    "（需要 REDIS_URL；补发还要 WECOM_* 设置）")
    dead.add_argument("--replay", action="store_true", help="补发：窗口已关闭的记为 expired，成功的从列表删除")
    dead.add_argument("--limit", type=positive_int, default=200, help="最多列出多少条（默认 200）")
    dead.set_defaults(run=operations.deadletters)

    forget = commands.add_parser("forget", help="删除一位顾客的全部数据（个人信息保护法：顾客要求删除时；"
                                                "需要 REDIS_URL）")
    forget.add_argument("customer", metavar="CUSTOMER", type=customer_id,
                        help="顾客的 external_userid（或成员的 userid）")
    forget.set_defaults(run=operations.forget)

    from bot.tools import customers, funnel

    profile = commands.add_parser("profile", help="看一位顾客的档案：调研答案、标签、需求证据、推荐记录"
                                                  "（需要 REDIS_URL）")
    profile.add_argument("customer", metavar="CUSTOMER", type=customer_id, help="顾客的 external_userid")
    content_option(profile)
    profile.set_defaults(run=customers.profile)

    why = commands.add_parser("why", help="机器人为什么推荐或没推荐：每个决定的原因和证据（需要 REDIS_URL）")
    why.add_argument("customer", metavar="CUSTOMER", type=customer_id, help="顾客的 external_userid")
    why.add_argument("--limit", type=positive_int, default=10, help="最多显示多少个决定（默认 10，最新的在前）")
    why.set_defaults(run=customers.why)

    sync = commands.add_parser("sync-tags", help="在企业微信里创建编码本的标签（可重复运行），并核对员工改过的标签"
                                                 "（需要 REDIS_URL、WECOM_CORP_ID、WECOM_SECRET）")
    content_option(sync)
    sync.set_defaults(run=customers.sync_tags)

    report = commands.add_parser("report", help="漏斗、跟进和流失（哪一步之后有人删好友或说别推了）；"
                                                "--html 写一个带图表的网页（需要 REDIS_URL）")
    report.add_argument("--since", default="7d", help="最近几天（7d、30d）或从哪天起（2026-11-01），默认 7d")
    report.add_argument("--channel", default=None, help="只看一个渠道（渠道活码的 State 或客服的 scene）")
    report.add_argument("--html", metavar="FILE", default=None, help="写成一个网页文件（图表，离线可看）")
    content_option(report)
    report.set_defaults(run=funnel.report)

    purchase = commands.add_parser("purchase", help="告诉机器人一位顾客买了（订单）：结束推销跟进，开始买后关怀"
                                                    "（需要 REDIS_URL）")
    purchase.add_argument("customer", metavar="CUSTOMER", type=customer_id, help="顾客的 external_userid")
    purchase.add_argument("--order", default=None, help="订单号（同一个订单只算一次）")
    purchase.add_argument("--product", default=None, help="商品 id（knowledge/products.yaml）")
    purchase.add_argument("--at", type=float, default=None, help="付款时间（unix 秒），默认现在")
    content_option(purchase)
    purchase.set_defaults(run=funnel.purchase)

    moderate = commands.add_parser(
        "moderate", help="按群审核规则判断消息：每行一条，输出每行一个 JSON（violation、rule、category、证据）",
        description="每行一条消息（文件或标准输入），当作普通群里普通顾客发的消息来判断，行与行之间没有状态"
                    "（不算刷屏、不算跨群重复）。按输入顺序每行输出一个 JSON 对象；退出码 0。")
    moderate.add_argument("file", nargs="?", metavar="FILE", help="消息文件（UTF-8，每行一条），默认标准输入")
    content_option(moderate)
    moderate.add_argument("--json", dest="structured", action="store_true",
                          help="每行是一个 JSON 消息对象：text、msgtype、role、url、appid（试名片、小程序、员工豁免）")
    moderate.set_defaults(run=run.moderate)

    from bot.tools import groups as group_tools

    sync = commands.add_parser("sync", help="把入群欢迎语同步成企业微信的入群欢迎语素材，建好违规标签（可重复运行；"
                                              "需要 REDIS_URL、WECOM_CORP_ID、WECOM_SECRET）")
    content_option(sync)
    sync.add_argument("--prune", action="store_true", help="删除内容里已经没有的群类型的素材")
    sync.set_defaults(run=group_tools.sync)

    groups = commands.add_parser("groups", help="客户群：同步登记（groups sync）、入群退群统计（groups stats）"
                                                  "（需要 REDIS_URL；sync 还要 WECOM_*）")
    group_commands = groups.add_subparsers(dest="groups_command", required=True, metavar="COMMAND")
    group_sync = group_commands.add_parser("sync", help="从企业微信核对全部客户群（groupchat/list + get，限速；"
                                                           "需要 REDIS_URL、WECOM_CORP_ID、WECOM_SECRET）")
    group_sync.add_argument("--owner", action="append", metavar="USERID", help="只核对这些群主的群（可写多次）")
    content_option(group_sync)
    group_sync.set_defaults(run=group_tools.groups_sync)
    group_stats = group_commands.add_parser("stats", help="按群类型统计入群、退群，以及退群前发生了什么"
                                                          "（需要 REDIS_URL）")
    group_stats.add_argument("--days", type=positive_int, default=7, help="最近几天（默认 7）")
    group_stats.add_argument("--group", metavar="CHAT_ID", help="只看一个群（累计）")
    group_stats.set_defaults(run=group_tools.groups_stats)

    moderation = commands.add_parser("moderation", help="群审核记录（moderation log）和统计（moderation stats）"
                                                          "（需要 REDIS_URL）")
    moderation_commands = moderation.add_subparsers(dest="moderation_command", required=True, metavar="COMMAND")
    log = moderation_commands.add_parser("log", help="审核记录：每个判定和每个动作，最新的在前（需要 REDIS_URL）")
    log.add_argument("--days", type=positive_int, default=7, help="最近几天（默认 7）")
    log.add_argument("--limit", type=positive_int, default=50, help="最多显示多少条（默认 50）")
    log.add_argument("--customer", metavar="ID", type=customer_id,
                     help="只看这位顾客（external_userid）或收到通知的员工")
    log.add_argument("--group", metavar="CHAT_ID_OR_NAME", help="只看这个群")
    log.add_argument("--kind", action="append", help="只看这种记录（decision、notice_sent……，可写多次）")
    log.add_argument("--json", action="store_true", help="每行一个 JSON")
    log.set_defaults(run=group_tools.moderation_log)
    stats = moderation_commands.add_parser("stats", help="审核统计：违规类别、群类型、处理动作、黑名单人数"
                                                        "（需要 REDIS_URL）")
    stats.add_argument("--days", type=positive_int, default=7, help="最近几天（默认 7）")
    stats.set_defaults(run=group_tools.moderation_stats)
