"""`siyu moderate` through the real command line: one JSON verdict per input line, in order, exit 0."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


def siyu(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "bot", "moderate", *args], input=stdin, capture_output=True,
                          timeout=120, cwd=ROOT)


def verdicts(result: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    assert result.returncode == 0, result.stderr.decode()
    return [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]


LINES = ["加V：abc12345 了解更多", "这款面霜适合油皮吗？", "", "电话：1️⃣3️⃣8️⃣1️⃣2️⃣3️⃣4️⃣5️⃣6️⃣7️⃣8️⃣", "谢谢老板的红包🧧",
         "百家乐 上分 下分 秒到", "www点abc888点com 打开看看"]
EXPECTED = [(True, "contact_id", "contact"), (False, None, None), (False, None, None), (True, "phone", "contact"),
            (False, None, None), (True, "gambling_strong", "gambling"), (True, "link", "link")]


def test_stdin_in_order_one_object_per_line() -> None:
    out = verdicts(siyu(stdin="\n".join(LINES).encode("utf-8") + b"\n"))
    assert [(v["violation"], v["rule"], v["category"]) for v in out] == EXPECTED
    assert all({"violation", "rule", "category", "action", "severity", "evidence", "explanation"} <= v.keys()
               for v in out)
    assert out[0]["action"] == "warn" and out[5]["severity"] == "high"
    # what the owner would read: the deciding rule's reason (phones has one), else its category's (gambling)
    assert [v.get("reason") for v in out] == ["在群里留了微信号、QQ号之类的联系方式", None, None, "在群里留电话号码拉生意",
                                              None, "发了赌博相关的信息", "发了外部链接（或淘口令、邮箱）"]


def test_a_file_argument_and_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "messages.txt"
    path.write_bytes("\r\n".join(LINES).encode("utf-8"))  # no final newline either
    out = verdicts(siyu(str(path)))
    assert [(v["violation"], v["rule"], v["category"]) for v in out] == EXPECTED


def test_no_state_between_lines() -> None:
    out = verdicts(siyu(stdin=("姐妹们这款面霜真的好用推荐给大家\n" * 30).encode("utf-8")))
    assert len(out) == 30 and not any(v["violation"] for v in out)


def test_bytes_that_are_not_utf8_still_get_a_verdict() -> None:
    out = verdicts(siyu(stdin=b"\xff\xfe\xfa broken\n\xe5\x8a\xa0V\xef\xbc\x9aabc12345\n"))
    assert [v["violation"] for v in out] == [False, True]


def test_structured_input_for_message_types_and_roles() -> None:
    lines = [
        {"text": "", "msgtype": "card"},
        {"text": "加V：abc12345", "role": "staff"},
        {"text": "", "msgtype": "weapp", "appid": "wx_other"},
        {"text": "新品", "msgtype": "link", "url": "https://shop.example.com/p/1"},
    ]
    raw = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\nnot json\n{\"role\": \"king\"}\n"
    out = verdicts(siyu("--json", stdin=raw.encode("utf-8")))
    assert [(v["violation"], v["rule"]) for v in out[:4]] == [
        (True, "msgtype_card"), (False, None), (True, "msgtype_weapp"), (False, None)]
    assert out[1]["exempt"] == "员工"
    assert out[4]["violation"] is False and "不是 JSON" in out[4]["error"]
    assert "king" in out[5]["error"]


def test_another_content_folder(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    path = root / "knowledge" / "moderation.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("threshold: 3", "threshold: 100"), encoding="utf-8")
    out = verdicts(siyu("--content", str(root), stdin="加V：abc12345\n".encode()))
    assert out[0]["violation"] is False and out[0]["threshold"] == 100


@pytest.mark.parametrize("breakage", ["missing", "broken"])
def test_without_valid_rules_it_says_why_and_fails(tmp_path: Path, breakage: str) -> None:
    root = tmp_path / "content"
    shutil.copytree(ROOT / "knowledge", root / "knowledge")
    path = root / "knowledge" / "moderation.yaml"
    if breakage == "missing":
        path.unlink()
    else:
        path.write_text(path.read_text(encoding="utf-8").replace("threshold: 3", "threshold: three"),
                        encoding="utf-8")
    result = siyu("--content", str(root), stdin=b"hello\n")
    assert result.returncode == 1 and result.stdout == b""
    message = result.stderr.decode()
    assert ("moderation.yaml" in message) and (breakage == "missing" or "knowledge/moderation.yaml:8:" in message)


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    result = siyu(str(tmp_path / "nope.txt"))
    assert result.returncode == 1 and "读不了" in result.stderr.decode()
