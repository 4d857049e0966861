"""Configuration from environment variables, validated at start-up: one line per mistake."""

from __future__ import annotations

import base64
import binascii
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.groups.settings import GroupSettings, load_group_settings


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
    groups: GroupSettings = field(default_factory=GroupSettings)


def default_content_dir() -> Path:
    """The sample content: beside the package in a checkout, under <prefix>/share when installed."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "flows").is_dir():
        return checkout
    return Path(sys.prefix) / "share" / "siyu-bot"


def content_dir_from(env: Mapping[str, str]) -> Path:
    raw = env.get("SIYU_CONTENT", "").strip()
    return Path(raw).expanduser() if raw else default_content_dir()


def load_settings(env: Mapping[str, str]) -> Settings:
    problems: list[str] = []

    def required(name: str, why: str) -> str:
        value = env.get(name, "").strip()
        if not value:
            problems.append(f"{name} is not set: {why}")
        return value

    corp_id = required("WECOM_CORP_ID", "the CorpID (我的企业 → 企业信息)")
    token = required("WECOM_TOKEN", "the callback Token (接收消息 → API接收)")
    aes_key = required("WECOM_AES_KEY", "the 43-character EncodingAESKey of the callback")
    secret = required("WECOM_SECRET", "the Secret of the self-built app")
    if token and not token.isalnum():
        problems.append("WECOM_TOKEN is malformed: WeCom tokens are letters and digits only")
    if aes_key:
        try:
            ok = len(aes_key) == 43 and len(base64.b64decode(aes_key + "=", validate=True)) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            problems.append("WECOM_AES_KEY is malformed: it must be the 43-character EncodingAESKey")

    agent_id: int | None = None
    raw_agent = env.get("WECOM_AGENT_ID", "").strip()
    if raw_agent:
        if raw_agent.isdigit():
            agent_id = int(raw_agent)
        else:
            problems.append(f"WECOM_AGENT_ID is malformed: expected a number, got {raw_agent!r}")

    api_base = env.get("WECOM_API_BASE", "").strip() or "https://qyapi.weixin.qq.com"
    parsed = urlparse(api_base)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append(f"WECOM_API_BASE is malformed: expected an http(s) URL, got {api_base!r}")

    redis_url = env.get("REDIS_URL", "").strip() or None
    if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
        problems.append("REDIS_URL is malformed: expected redis://host:port/db, rediss:// or unix://")

    content_dir = content_dir_from(env)
    if not (content_dir / "flows").is_dir():
        problems.append(f"SIYU_CONTENT is wrong: {content_dir} has no flows/ folder")

    host = env.get("SIYU_HOST", "").strip() or "0.0.0.0"
    raw_port = env.get("SIYU_PORT", "").strip() or "8080"
    port = 0
    if raw_port.isdigit() and 0 < int(raw_port) < 65536:
        port = int(raw_port)
    else:
        problems.append(f"SIYU_PORT is malformed: expected a port number 1-65535, got {raw_port!r}")

    persona = env.get("SIYU_PERSONA", "").strip() or None
    if persona and not (content_dir / "persona" / f"{persona}.yaml").is_file():
        problems.append(f"SIYU_PERSONA is wrong: {content_dir}/persona/{persona}.yaml does not exist")
    raw_window = env.get("SIYU_BURST_WINDOW", "").strip() or "2"
    try:
        burst_window = float(raw_window)
    except ValueError:
        burst_window = -1.0
    if not 0 <= burst_window <= 30:
        problems.append(f"SIYU_BURST_WINDOW is malformed: expected seconds between 0 and 30, got {raw_window!r}")
    timezone = env.get("SIYU_TIMEZONE", "").strip() or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"SIYU_TIMEZONE is wrong: {timezone!r} is not a known time zone (e.g. Asia/Shanghai)")

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
        groups=groups,
    )
