"""`siyu moderate [--content DIR] [FILE]`: judge messages, one per line, and print one JSON verdict per line.

Each line is judged as a message from an ordinary customer in an ordinary group, with no state between
lines (no flood, no cross-group repeats). The output keeps the input's order, one object per input line
(an empty line too), at least {"violation": bool, "rule": str|null, "category": str|null}.
With --json each input line is a message object instead:
{"text": ..., "msgtype": "card", "role": "staff", "url": ..., "appid": ...}.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from bot.content.source import ContentError
from bot.moderation.detector import Detector
from bot.moderation.load import load_moderation
from bot.moderation.message import Message, Role


def load_detector(root: Path) -> Detector | None:
    """The detector of root/knowledge/moderation.yaml, or None after telling the operator why not."""
    try:
        content = load_moderation(root / "knowledge", root)
    except ContentError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        print(f"{len(error.problems)} 个问题，审核规则没有加载 ({root})", file=sys.stderr)
        return None
    if content is None:
        print(f"没有 {root / 'knowledge' / 'moderation.yaml'}：没有审核规则可用", file=sys.stderr)
        return None
    return Detector(content)


def _lines(stream: IO[bytes]) -> Iterator[str]:
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def _message(line: str, structured: bool) -> Message | str:
    """The message of one input line, or the reason it is not one (--json only)."""
    if not structured:
        return Message(line)
    try:
        data: Any = json.loads(line) if line.strip() else {}
    except json.JSONDecodeError as error:
        return f"不是 JSON: {error.msg}"
    if not isinstance(data, dict):
        return "应为 JSON 对象"
    try:
        role = Role(str(data.get("role", "customer")))
    except ValueError:
        return f"不认识的 role “{data.get('role')}”：customer、staff、allowlisted"
    raw_time = data.get("time")
    return Message(text=str(data.get("text", "")), msgtype=str(data.get("msgtype", "text")),
                   sender=str(data.get("sender", "")), role=role, chat_id=str(data.get("chat_id", "")),
                   time=float(raw_time) if isinstance(raw_time, int | float) else None,
                   url=str(data.get("url", "")), appid=str(data.get("appid", "")))


def moderate_lines(detector: Detector, lines: Iterable[str], out: IO[str], structured: bool = False) -> int:
    count = 0
    for line in lines:
        message = _message(line, structured)
        if isinstance(message, str):
            result: dict[str, Any] = {"violation": False, "rule": None, "category": None, "error": message}
        else:
            verdict = detector.judge(message)
            result = verdict.to_json()
            if verdict.violation:  # what the group owner would be told (the rule's or its category's reason)
                result["reason"] = detector.spec.reason_of(verdict.rule or "", verdict.category or "")
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        count += 1
        if out.isatty():
            out.flush()
    out.flush()
    return count


def run(root: Path, file: str | None, structured: bool) -> int:
    detector = load_detector(root)
    if detector is None:
        return 1
    if file is None or file == "-":
        moderate_lines(detector, _lines(sys.stdin.buffer), sys.stdout, structured)
        return 0
    path = Path(file)
    try:
        with path.open("rb") as stream:
            moderate_lines(detector, _lines(stream), sys.stdout, structured)
    except OSError as error:
        print(f"读不了 {path}: {error.strerror}", file=sys.stderr)
        return 1
    return 0
