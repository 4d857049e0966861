"""Configuration from environment variables, validated at start-up: one line per mistake."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.durations import human_duration, seconds
from bot.content.location import VARIABLE, bundled_content_dir, locate_content
from bot.gateway.kf_welcome import MAX_HOLD_S
from bot.gateway.monitoring import MonitorSettings, host_problem, load_monitor_settings
from bot.groups.settings import GroupSettings, load_group_settings
from bot.retention.policy import SETTINGS as RETENTION_SETTINGS
from bot.retention.policy import Retention
from bot.store.factory import db_problem as redis_db_problem


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    corp_id: str
    token: str
    aes_key: str
    secret: str
    agent_id: int | None
    api_base: str
    redis_url: str | None
    content_dir: Path
    host: str
    port: int
    persona: str | None = None
    burst_window: float = 2.0
    timezone: str = "Asia/Shanghai"
    handover_timeout: float = 0.0  # 0: the bot waits until the human ends the kf session
    kf_welcome_hold: float = 5.0  # the kf welcome waits this long for her first message (0: no wait); kf_welcome.py
    kf_url: str | None = None  # the kf link contact welcomes carry (made with scene contact_welcome)
    kf_open_kfid: str | None = None  # or the kf account to make that link for (kf/add_contact_way)
    order_token: str | None = None  # enables POST /orders (the shop tells the bot about purchases)
    limits: Limits = field(default_factory=lambda: Limits())
    retention: Retention = field(default_factory=Retention)
    groups: GroupSettings = field(default_factory=GroupSettings)
    monitor: MonitorSettings = field(default_factory=MonitorSettings)  # where /metrics is served


@dataclass(frozen=True)
class Limits:
    """How siyu serve holds up under faults (docs/gateway.md explains each)."""

    kf_max_age_s: float = 300.0  # without a kf cursor, older messages are recorded, not answered
    send_retry_max_s: float = 60.0  # the longest wait between two tries of a send WeCom did not take
    wecom_timeout_s: float = 30.0  # longer than WeCom's slowest answer
    send_concurrency: int = 8  # sends in flight per process
    redis_pool: int = 64  # Redis connections per process for commands (blocking reads have their own)
    max_connections: int = 0  # open client connections per process; 0 = from the open-file limit
    read_timeout_s: float = 5.0  # time a client has to send a whole request


def default_content_dir() -> Path:
    """The bundled sample content."""
    return bundled_content_dir()


def content_dir_from(env: Mapping[str, str]) -> Path:
    """SIYU_CONTENT, else the current directory when it holds content, else the bundled sample."""
    return locate_content(None, env).path


def load_settings(env: Mapping[str, str]) -> Settings:
    problems: list[str] = []

    def required(name: str, why: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            problems.append(f"{name} 没有设置：{why}")
        return value

    corp_id = required("WECOM_CORP_ID", "企业ID（我的企业 → 企业信息）")
    token = required("WECOM_TOKEN", "回调的 Token（应用 → 接收消息 → 设置API接收）")
    aes_key = required("WECOM_AES_KEY", "回调的 EncodingAESKey（43 个字符）")
    secret = required("WECOM_SECRET", "自建应用的 Secret")
    if token and not token.isalnum():
        problems.append("WECOM_TOKEN 写得不对：企业微信的 Token 只有字母和数字")
    if aes_key:
        try:
            ok = len(aes_key) == 43 and len(base64.b64decode(aes_key + "=", validate=True)) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            problems.append("WECOM_AES_KEY 写得不对：应当是 43 个字符的 EncodingAESKey")

    agent_id: int | None = None
    raw_agent = env.get("WECOM_AGENT_ID", "").strip()
    if raw_agent:
        if raw_agent.isdecimal():  # what int() reads: isdigit() also takes ² and ①
            agent_id = int(raw_agent)
        else:
            problems.append(f"WECOM_AGENT_ID 写得不对：应当是数字（应用的 AgentId），现在是 {raw_agent!r}")

    api_base = env.get("WECOM_API_BASE", "").strip() or "https://qyapi.weixin.qq.com"
    parsed = urlparse(api_base)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(f"WECOM_API_BASE 写得不对：应当是 http(s):// 地址，现在是 {api_base!r}")

    redis_url = env.get("REDIS_URL", "").strip() or None
    if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
        problems.append("REDIS_URL 写得不对：应当像 redis://主机:端口/库号，或 rediss://、unix://")
    elif redis_url and (db_problem := redis_db_problem(redis_url)):
        problems.append(f"REDIS_URL 写得不对：{db_problem}")

    content = locate_content(None, env)
    content_dir = content.path
    named = "SIYU_CONTENT 不对" if content.source == VARIABLE else "内容目录不对"
    if not content_dir.exists():
        problems.append(f"{named}：找不到 {content_dir}，路径写对了吗？")
    elif not (content_dir / "flows").is_dir():
        problems.append(f"{named}：{content_dir} 里没有 flows/ 文件夹")

    host = env.get("SIYU_HOST", "").strip() or "0.0.0.0"
    if problem := host_problem(host, "SIYU_HOST"):
        problems.append(problem)
    raw_port = env.get("SIYU_PORT", "").strip() or "8080"
    port = 0
    if raw_port.isdecimal() and 0 < int(raw_port) < 65536:
        port = int(raw_port)
    else:
        problems.append(f"SIYU_PORT 写得不对：应当是 1-65535 的端口号，现在是 {raw_port!r}")
    monitor = load_monitor_settings(env, host, port, problems)

    persona = env.get("SIYU_PERSONA", "").strip() or None
    if persona and content_dir.is_dir() and not (content_dir / "persona" / f"{persona}.yaml").is_file():
        existing = "、".join(sorted(p.stem for p in (content_dir / "persona").glob("*.yaml") if p.stem != "rules"))
        problems.append(f"SIYU_PERSONA 不对：没有 {content_dir}/persona/{persona}.yaml；"
                        f"有的人设：{existing or '（没有）'}")
    raw_window = env.get("SIYU_BURST_WINDOW", "").strip() or "2"
    try:
        burst_window = float(raw_window)
    except ValueError:
        burst_window = -1.0
    if not 0 <= burst_window <= 30:
        problems.append(f"SIYU_BURST_WINDOW 写得不对：应当是 0 到 30 之间的秒数，现在是 {raw_window!r}")
    raw_handover = env.get("SIYU_HANDOVER_TIMEOUT", "").strip() or "0"
    handover_timeout = 0.0
    try:
        handover_timeout = 0.0 if raw_handover == "0" else float(seconds(raw_handover))
    except ValueError:
        problems.append("SIYU_HANDOVER_TIMEOUT 写得不对：应当是 0 或带单位（s、m、h、d）的时长，如 12h，"
                        f"现在是 {raw_handover!r}")
    raw_hold = env.get("SIYU_KF_WELCOME_HOLD", "").strip() or "5"
    kf_welcome_hold = welcome_hold(raw_hold)
    if kf_welcome_hold is None:
        problems.append(f"SIYU_KF_WELCOME_HOLD 写得不对：应当是 0 到 {MAX_HOLD_S:g} 之间的秒数（如 5 或 5s；0 = 不等，"
                        f"欢迎码只有 20 秒），现在是 {raw_hold!r}")
    timezone = env.get("SIYU_TIMEZONE", "").strip() or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"SIYU_TIMEZONE 不对：{timezone!r} 不是已知的时区（如 Asia/Shanghai）")

    log_level = env.get("SIYU_LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        problems.append(f"SIYU_LOG_LEVEL 不对：应当是 DEBUG、INFO、WARNING 或 ERROR，现在是 {log_level!r}")

    kf_url = env.get("SIYU_KF_URL", "").strip() or None
    if kf_url and (urlparse(kf_url).scheme != "https" or not urlparse(kf_url).netloc):
        problems.append(f"SIYU_KF_URL 写得不对：应当是客服账号的 https:// 链接，现在是 {kf_url!r}")
    kf_open_kfid = env.get("SIYU_KF_OPEN_KFID", "").strip() or None
    if kf_open_kfid and not re.fullmatch(r"[0-9A-Za-z_-]{1,64}", kf_open_kfid):
        problems.append(f"SIYU_KF_OPEN_KFID 写得不对：应当是 wkXXXX 这样的 open_kfid，现在是 {kf_open_kfid!r}")

    order_token = env.get("SIYU_ORDER_TOKEN", "").strip() or None
    if order_token and not re.fullmatch(r"[0-9A-Za-z_\-]{16,128}", order_token):
        problems.append("SIYU_ORDER_TOKEN 写得不对：用 16-128 个字母、数字、- 或 _（一个共享密钥）")

    limits, retention = _faults(env, problems)
    groups = load_group_settings(env, problems)
    if problems:
        raise ConfigError(problems)
    return Settings(
        corp_id=corp_id,
        token=token,
        aes_key=aes_key,
        secret=secret,
        agent_id=agent_id,
        api_base=api_base.rstrip("/"),
        redis_url=redis_url,
        content_dir=content_dir,
        host=host,
        port=port,
        persona=persona,
        burst_window=burst_window,
        timezone=timezone,
        handover_timeout=handover_timeout,
        kf_welcome_hold=5.0 if kf_welcome_hold is None else kf_welcome_hold,
        kf_url=kf_url,
        kf_open_kfid=kf_open_kfid,
        order_token=order_token,
        limits=limits,
        retention=retention,
        groups=groups,
        monitor=monitor,
    )


_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def welcome_hold(raw: str) -> float | None:
    """SIYU_KF_WELCOME_HOLD: seconds (5 or 5s) from 0 to MAX_HOLD_S, default 5; None when written wrong."""
    text = raw.strip() or "5"
    hold = parse_duration(text) if re.fullmatch(r"\d+(\.\d*)?s?", text) else -1.0
    return hold if 0 <= hold <= MAX_HOLD_S else None


def parse_duration(text: str) -> float:
    """Seconds from "90", "1.5", "5m", "2h" or "30d"; ValueError otherwise."""
    raw = text.strip().lower()
    unit = _UNITS.get(raw[-1:], 0.0)
    number = float(raw[:-1] if unit else raw)
    if number < 0 or number != number:
        raise ValueError(text)
    return number * (unit or 1.0)


def _faults(env: Mapping[str, str], problems: list[str]) -> tuple[Limits, Retention]:
    def duration(name: str, default: float, low: float, high: float, *, unit: bool = False) -> float:
        raw = env.get(name, "").strip()
        if not raw:
            return default
        if unit and re.fullmatch(r"\d+(\.\d*)?", raw):  # 400 meant as 400d would keep opt-outs for 400 s
            problems.append(f"{name} 写得不对：{raw!r} 没有单位，加上 s、m、h 或 d（如 {raw}d）")
            return default
        try:
            value = parse_duration(raw)
        except ValueError:
            value = -1.0
        if not low <= value <= high:
            bare = "" if unit else "；只写数字按秒算"
            problems.append(f"{name} 写得不对：应当是 {human_duration(low)} 到 {human_duration(high)} 之间的时长"
                            f"（如 30s、5m、2h、7d{bare}），现在是 {raw!r}")
            return default
        return value

    def count(name: str, default: int, low: int, high: int) -> int:
        raw = env.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdecimal() or not low <= int(raw) <= high:
            problems.append(f"{name} 写得不对：应当是 {low} 到 {high} 之间的整数，现在是 {raw!r}")
            return default
        return int(raw)

    limits = Limits(
        kf_max_age_s=duration("SIYU_KF_MAX_AGE", 300.0, 1, 3 * 86400),
        send_retry_max_s=duration("SIYU_SEND_RETRY_MAX", 60.0, 0.01, 3600),
        wecom_timeout_s=duration("SIYU_WECOM_TIMEOUT", 30.0, 0.1, 300),
        send_concurrency=count("SIYU_SEND_CONCURRENCY", 8, 1, 256),
        redis_pool=count("SIYU_REDIS_POOL", 64, 4, 10_000),
        max_connections=count("SIYU_MAX_CONNECTIONS", 0, 0, 1_000_000),
        read_timeout_s=duration("SIYU_READ_TIMEOUT", 5.0, 0.1, 300),
    )
    retention = Retention()
    for name, attribute in RETENTION_SETTINGS.items():
        default = getattr(retention, attribute)
        retention = replace(retention, **{attribute: duration(name, default, 60, 10 * 365 * 86400,
                                                                          unit=True)})
    return limits, retention
