"""Environment settings of the customer-group features, checked at start-up with one line per mistake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.group_messages.keys import KeyRing

DEFAULT_API_PER_MINUTE = 3000  # of WeCom's 10,000 calls/min per corp and API: room for other tools


@dataclass(frozen=True)
class MsgAuditSettings:
    sdk_path: Path
    secret: str
    keys: KeyRing
    interval_s: float = 60.0
    proxy: str = ""
    proxy_password: str = ""


@dataclass(frozen=True)
class GroupSettings:
    api_per_minute: int = DEFAULT_API_PER_MINUTE  # groupchat/get and groupchat/list, each
    sync_hours: float = 24.0  # full reconcile in `siyu serve` every N hours; 0 = only `siyu groups sync`
    msgaudit: MsgAuditSettings | None = None  # None: 会话内容存档 is not used


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float,
            problems: list[str], unit: str) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        problems.append(f"{name} 写得不对：应当是 {low:g} 到 {high:g} 之间的{unit}，现在是 {raw!r}")
        return default
    return value


def load_group_settings(env: Mapping[str, str], problems: list[str]) -> GroupSettings:
    per_minute = int(_number(env, "SIYU_GROUPS_API_PER_MINUTE", DEFAULT_API_PER_MINUTE, 1, 10_000, problems,
                             "每分钟调用次数"))
    sync_hours = _number(env, "SIYU_GROUPS_SYNC_HOURS", 24, 0, 24 * 30, problems, "小时数")
    sdk = env.get("SIYU_MSGAUDIT_SDK", "").strip()
    secret = env.get("SIYU_MSGAUDIT_SECRET", "").strip()
    keys_spec = env.get("SIYU_MSGAUDIT_KEYS", "").strip()
    if not (sdk or secret or keys_spec):
        return GroupSettings(per_minute, sync_hours)
    if not sdk:
        problems.append("SIYU_MSGAUDIT_SDK 没有设置：你自己的 libWeWorkFinanceSdk_C.so 的路径（会话内容存档）")
    elif not Path(sdk).expanduser().is_file():
        problems.append(f"SIYU_MSGAUDIT_SDK 不对：{sdk} 不是文件")
    if not secret:
        problems.append("SIYU_MSGAUDIT_SECRET 没有设置：会话内容存档的 Secret（管理工具 → 会话内容存档）")
    keys, key_problems = KeyRing.parse(keys_spec) if keys_spec else (KeyRing({}), [
        "SIYU_MSGAUDIT_KEYS 没有设置：每个 RSA 私钥写成 版本:路径，如 1:/etc/siyu/msgaudit.pem"])
    problems.extend(key_problems)
    interval = _number(env, "SIYU_MSGAUDIT_INTERVAL", 60, 5, 3600, problems, "秒数")
    msgaudit = MsgAuditSettings(Path(sdk).expanduser(), secret, keys, interval,
                                env.get("SIYU_MSGAUDIT_PROXY", "").strip(),
                                env.get("SIYU_MSGAUDIT_PROXY_PASSWORD", "").strip())
    return GroupSettings(per_minute, sync_hours, msgaudit)
