"""What each operator command does. Output is for operators: plain, in Chinese where it helps."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.content.location import ARGUMENT, OPTION, locate_content
from bot.content.source import ContentError, Problem
from bot.conversation import Outbound
from bot.engine.content import Content, load_content
from bot.engine.library import Library

if TYPE_CHECKING:
    from bot.tools.engine_eval import EngineReport
    from bot.understanding.evaluation import LabelledSet


def _content_dir(args: argparse.Namespace, verify: bool = False) -> Path | None:
    """The folder this command works on, said on stderr so the sample is never used by surprise; None (and one
    line saying why) when that folder is missing or holds no content at all, or (`verify`: check, test) when the
    current folder is half made."""
    folder = getattr(args, "folder", None)  # siyu check DIR
    location = locate_content(folder or getattr(args, "content", None), os.environ,
                              source=ARGUMENT if folder else OPTION)
    problem = location.unusable() or (location.refused_partial(args.command) if verify else "")
    if problem:
        print(problem, file=sys.stderr)
        return None
    print(location.describe(), file=sys.stderr)
    return location.path


def _load(args: argparse.Namespace, persona: str | None = None, verify: bool = False) -> Content | None:
    root = _content_dir(args, verify)
    if root is None:
        return None
    try:
        return load_content(root, persona or os.environ.get("SIYU_PERSONA") or None)
    except ContentError as error:
        _report(error, root)
        return None


def _report(error: ContentError, root: Path, out: TextIO | None = None) -> None:
    """The problems, one `file:line:col: message` a line, then the note and the count (on stderr unless `out`)."""
    out = out or sys.stderr
    for problem in error.problems:
        print(problem, file=out)
    if error.note:
        print(error.note, file=out)
    print(f"{len(error.problems)} 个问题，内容没有加载 ({root})", file=out)


def check(args: argparse.Namespace) -> int:
    from bot.tools.checking import check_all, comma_warnings, misnamed, report_tests

    # `siyu check DIR` is the same as `siyu check --content DIR` (_content_dir reads either)
    if args.folder and args.content and Path(args.content).resolve() != Path(args.folder).resolve():
        print(f"siyu check: 内容目录写了两个（{args.folder} 和 --content {args.content}），只写一个", file=sys.stderr)
        return 2
    root = _content_dir(args, verify=True)  # a half-made current folder is refused, not swapped for the sample
    if root is None:
        return 1
    warnings = comma_warnings(root)
    unread = misnamed(root)
    try:
        content, groups = check_all(root, os.environ.get("SIYU_PERSONA") or None)
    except ContentError as error:  # the report is what was asked for: stdout, so `siyu check | less` shows it
        _report(ContentError([*error.problems, *unread], error.note), root, sys.stdout)
        report_tests(root, None)  # their structure still: one round finds every mistake
        _comma_warnings(warnings)
        return 1
    knowledge = content.understanding.knowledge
    states = sum(len(f.spec.states) for f in content.flows.values())
    print(f"OK {content.root} (版本 {content.version}): {len(content.flows)} 个流程 / {states} 个状态, "
          f"{len(content.personas)} 个人设, {len(knowledge.faq)} 条 FAQ, {len(knowledge.intents)} 个意图, "
          f"{len(knowledge.products)} 个商品, {len(content.codebook.questions)} 道调研题 / "
          f"{len(content.codebook.tags)} 个企业微信标签, 克制推荐流程 {content.policy.flow}, "
          f"{len(content.plans.plans)} 个跟进计划"
          + (f", {len(groups.types.types)} 种客户群 / {len(groups.welcome_texts)} 条入群欢迎语" if groups else ""))
    if content.moderation is not None:
        detector = content.moderation
        model = "，带统计模型" if detector.model is not None else ""
        print(f"   群审核: {len(detector.spec.words)} 组词 / {len(detector.words)} 个词{model}"
              f"（{detector.content.file}）")
    else:
        print("   群审核: 没有 knowledge/moderation.yaml，客户群消息不审核")
    tests_wrong = report_tests(root, content)
    for problem in unread:
        print(problem)
    _faq_warnings(content)
    _comma_warnings(warnings)
    return 1 if tests_wrong or unread else 0


def _comma_warnings(warnings: list[Problem]) -> None:
    if warnings:
        print(f"   提醒: {len(warnings)} 处问法/例句里有全角逗号（不影响加载）")
        for warning in warnings:
            print(warning)


def _faq_warnings(content: Content) -> None:
    """Near-duplicate FAQ entries: not an error (the content loads), but customers asking would get a choice."""
    from bot.understanding.overlaps import overlap_warnings, repeat_warnings

    faq, display = content.root / "knowledge" / "faq.yaml", "knowledge/faq.yaml"
    warnings = overlap_warnings(content.understanding, faq, display)
    if warnings:
        print(f"   FAQ: {len(warnings)} 处问法机器人分不开（不影响加载）")
        for warning in warnings:
            print(warning)
    repeats = repeat_warnings(faq, display)
    if repeats:
        print(f"   FAQ: {len(repeats)} 处关键词或问法在同一条里写了两次（不影响加载）")
        for warning in repeats:
            print(warning)
    from bot.tools.product_warnings import product_warnings

    products = product_warnings(content)
    if products:
        print(f"   商品: {len(products)} 处回答和这款商品自己写的 price / avoid_when 对不上（不影响加载）")
        for warning in products:
            print(warning)
    from bot.tools.options_warnings import options_warnings

    unlisted = options_warnings(content)
    if unlisted:
        print(f"   人设: {len(unlisted)} 句调研提问没有写 {{options}}，顾客看不到选项（不影响加载）")
        for warning in unlisted:
            print(warning)


def render(message: Outbound, speaker: str) -> str:
    if message.attachment is not None:
        card = message.attachment
        return f"{speaker}: [链接] {card.get('title', '')} {card.get('url', '')}"
    return f"{speaker}: {message.text}"


def chat(args: argparse.Namespace) -> int:
    from bot.tools.chat import run_chat, welcome_hold_from_env

    content = _load(args, args.persona)
    if content is None:
        return 1
    raw = os.environ.get("SIYU_BURST_WINDOW", "").strip() or "2"
    try:
        window = float(raw)
    except ValueError:
        print(f"SIYU_BURST_WINDOW 应该是秒数，现在是 {raw!r}", file=sys.stderr)
        return 2
    hold = welcome_hold_from_env()
    if hold is None:
        return 2
    library = Library(content, args.persona)
    if not args.store:
        return asyncio.run(run_chat(library, args.channel, burst_window=max(0.0, window), piped=_piped(),
                                    welcome_hold=0.0 if _piped() else hold))
    from bot.tools.chat_store import chat_on_store

    return asyncio.run(chat_on_store(library, args, max(0.0, window), 0.0 if _piped() else hold, _piped()))


def _piped() -> bool:
    """stdin is not a terminal (lines piped in): each line is one turn, not one burst."""
    try:
        return not sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return True


def test(args: argparse.Namespace) -> int:
    from bot.tools.convtest import run_tests

    content = _load(args, verify=True)
    if content is None:
        return 1
    path = Path(args.path) if args.path else content.root / "flows" / "tests"
    if not path.exists():
        print(f"找不到测试 {path}", file=sys.stderr)
        return 1
    return asyncio.run(run_tests(Library(content), path, coverage=args.coverage, quiet=args.quiet))


def diagram(args: argparse.Namespace) -> int:
    from bot.tools.diagram import mermaid

    content = _load(args)
    if content is None:
        return 1
    flow = content.flows.get(args.flow)
    if flow is None:
        print(f"没有流程 “{args.flow}”；有: {', '.join(sorted(content.flows))}", file=sys.stderr)
        return 1
    print(mermaid(flow.spec))
    return 0


def engine_report(content: Content, labelled: LabelledSet) -> EngineReport:
    """What the whole bot says to each line (siyu eval --engine; bot/tools/engine_eval.py)."""
    from bot.tools.engine_eval import EngineEvaluation

    return asyncio.run(EngineEvaluation(Library(content)).run(labelled))


def evaluate(args: argparse.Namespace) -> int:
    from bot.tools.eval_sets import set_problems
    from bot.understanding.evaluation import SET_MEANINGS, LabelledSet, labelled_sets
    from bot.understanding.evaluation import evaluate as run_eval

    content = _load(args)
    if content is None:
        return 1
    shipped = {path.resolve(): name for name, path in labelled_sets(content.root)}  # --set on one keeps its name
    sets = [(shipped.get(Path(args.labelled).resolve(), "labelled"), Path(args.labelled))] if args.labelled \
        else labelled_sets(content.root)
    if not sets:
        print(f"找不到标注集 {content.root / 'knowledge' / 'tests'}/eval.yaml；用 --set 指定", file=sys.stderr)
        return 1
    for name, path in sets:
        if not path.exists():
            print(f"找不到标注集 {path}", file=sys.stderr)
            return 1
        problems = set_problems(path, {entry.id for entry in content.understanding.knowledge.faq})
        if problems:  # a set written wrong scored as nothing (0 questions, 0.0%, exit 0)
            print("\n".join(map(str, problems)), file=sys.stderr)
            return 1
        try:
            labelled = LabelledSet.load(path)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            print(f"{path}: 标注集格式不对 ({error})", file=sys.stderr)
            return 1
        report = engine_report(content, labelled) if args.engine else run_eval(content.understanding.understand,
                                                                                  labelled)
        print(f"\n[{name}] {SET_MEANINGS.get(name, '')}（{path}）")
        print(report.table())
        label = path.stem if name == "labelled" else name  # a blind set named by its file is still blind
        if args.failures and label in BLIND_SETS:
            print(f"  （{label} 是盲测集：只看总数，不列句子——这些句子不能写进 FAQ，否则它就量不出真实顾客的说法了）")
        elif args.failures:
            print("\n".join(f"  {line}" for line in report.failures))
    return 0


# written blind: their lines never go into content
# blind4, blind6, blind7, blind8 and fresh are dev sets now (docs/understanding.md)
BLIND_SETS = frozenset({"blind", "blind2", "blind3", "blind5"})


def moderate(args: argparse.Namespace) -> int:
    from bot.tools.moderate import run as run_moderate

    root = _content_dir(args)
    return 1 if root is None else run_moderate(root, args.file, args.structured)


def misses(args: argparse.Namespace) -> int:
    from bot.engine.engine import NEAR_MISSES
    from bot.store.factory import open_store
    from bot.tools.running import running_store_url

    url = running_store_url("misses")
    if url is None:
        return 2

    async def read() -> list[str]:
        store = open_store(url)
        try:
            return await store.lrange(NEAR_MISSES, 0, max(args.limit, 1) - 1)
        finally:
            await store.close()

    records = asyncio.run(read())
    if not records:
        print("还没有记录到没答上或差一点匹配上的问题")
        return 0
    for raw in records:
        record = json.loads(raw)
        if record.get("confirmed"):
            print(f"{record.get('text', '')}\n    顾客确认就是想问: {record['confirmed']}（猜对了：加成它的问法）")
            continue
        candidates = "  ".join(f"{entry}({score})" for entry, score, _ in record.get("candidates", []))
        promised = "  （没答上：已跟顾客说会请同事确认，请跟进）" if record.get("fallback") else ""
        print(f"{record.get('text', '')}{promised}\n    候选: {candidates or '无'}")
    print(f"\n共 {len(records)} 条。把顾客的说法加到对应 FAQ 的 questions 里（没有合适的 FAQ 就新写一条），"
          "下次就能直接回答。")
    return 0

