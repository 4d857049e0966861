"""What `siyu serve` writes to its log, and what it keeps out of it.

At INFO the log holds a start-up summary of the configuration (no secrets), the content version, one line
per inbound event and one per reply batch. Conversations appear as a short hash of their key, and customer
text never appears at INFO (callers ensure it). Libraries that narrate their own internals at INFO
(transitions' callbacks, watchfiles' change counts, aiohttp's access log) are raised to WARNING.
"""

from __future__ import annotations

import hashlib
import logging
import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.content.location import ContentLocation

QUIET_LIBRARIES = ("transitions", "watchfiles", "aiohttp.access")


def setup_logging() -> None:
    level = os.environ.get("SIYU_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)


def conversation_tag(key: str) -> str:
    """A short stable hash of a conversation key: lines of one conversation can be followed without
    the log naming the customer. An operator holding a key finds its lines with the same function."""
    return hashlib.blake2b(key.encode(), digest_size=5).hexdigest()


def redact_url(url: str) -> str:
    """A store URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit((parts.scheme, user + host, parts.path, parts.query, parts.fragment))


def settings_summary(settings: Settings, content: ContentLocation) -> str:
    """One line of what this process runs with; secrets (Token, EncodingAESKey, Secret) never appear."""
    store = redact_url(settings.redis_url) if settings.redis_url else "embedded (in-memory, one process)"
    agent = settings.agent_id if settings.agent_id is not None else "unset"
    return (f"config: corp {settings.corp_id}, agent {agent}, store {store}, WeCom API {settings.api_base}, "
            f"content {content.path} ({content.source}), persona {settings.persona or 'default'}, "
            f"burst window {settings.burst_window:g} s, time zone {settings.timezone}, "
            f"log level {logging.getLevelName(logging.getLogger().getEffectiveLevel())}")
