"""What `siyu serve` writes to its log, and what it keeps out of it.

At INFO the log holds a start-up summary of the configuration (no secrets), the content version, one line
per inbound event and one per reply batch. Conversations appear as a short hash of their key, and customer
text never appears at INFO (callers ensure it). Libraries that narrate their own internals at INFO
(transitions' callbacks, watchfiles' change counts, aiohttp's access log) are raised to WARNING.

A failure that repeats (Redis down for a minute, WeCom busy) is logged once per interval: the first
occurrence as it is, then one line saying how many more there were. Without this a ten-second Redis
outage wrote hundreds of tracebacks. A failure that a later success ends (a refused content reload, until
the content loads again) belongs to an episode: the success closes it, so that no count of the failure is
said after it as if it went on, and the same failure coming back is said at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from bot.content.durations import human_duration

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.content.location import ContentLocation

QUIET_LIBRARIES = ("transitions", "watchfiles", "aiohttp.access", "redis")  # redis-py: ~20 lines a start at DEBUG

REPEAT_INTERVAL_S = 10.0


@dataclass
class _Seen:
    since: float
    logger: str
    level: int
    message: str
    repeats: int = 0
    label: str | None = None  # what all records of the key have in common (throttled_as(key, label))
    last: str = ""  # the last suppressed record's message, when there is a label
    episode: str | None = None  # what the record's failure belongs to (in_episode(name)): closed by a success


DISTINCT = {"siyu_distinct": True}  # `extra=` for records whose arguments are the news (file:line of a refusal)


def in_episode(name: str, *, distinct: bool = False) -> dict[str, object]:
    """`extra=` for a failure that a later success ends (`content`: a reload refused until the content loads
    again); LogThrottle.close_episode(name) at the success. With `distinct`, as DISTINCT too."""
    return {"siyu_episode": name, **(DISTINCT if distinct else {})}


def refusals_held(episode: str) -> str:
    """Close a refusal's episode as what was refused loads again: the words for how many more times the
    refusal was logged and held back ("" when none), said in the line that says it is over."""
    held = LogThrottle.close_episode(episode)
    return f"; the refusal was repeated {held} more time(s)" if held else ""


def throttled_as(key: str, label: str | None = None) -> dict[str, str]:
    """`extra=` for records of one template that are different failures (a callback rejected for a bad
    signature, or for a malformed body): each key is throttled on its own, so one never hides another.
    When the records of a key differ in their particulars (the parser's line and column), `label` is what
    they have in common: the repeat line says the label and the last one's particulars, never the first
    one's as if every repeat had been that."""
    return {"siyu_throttle": key, **({"siyu_label": label} if label else {})}


class LogThrottle(logging.Filter):
    """Lets the first of each distinct warning or error through per interval and counts the rest. Records
    are alike when their template is (the same failure with another id or count); with `extra=DISTINCT`,
    only when their whole message is; with `extra=throttled_as(key)`, when their key is."""

    active: LogThrottle | None = None

    def __init__(self, interval_s: float = REPEAT_INTERVAL_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.clock = clock
        self._seen: dict[tuple[str, int, str, str], _Seen] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or getattr(record, "siyu_summary", False):
            return True
        error = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""
        text = getattr(record, "siyu_throttle", None) or (
            record.getMessage() if getattr(record, "siyu_distinct", False) else str(record.msg))
        key = (record.name, record.levelno, text, error)
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen.since < self.interval_s:
            seen.repeats += 1
            if seen.label is not None:
                seen.last = record.getMessage()
            return False
        if seen is not None and seen.repeats:
            self._summarise(seen)
        self._seen[key] = _Seen(now, record.name, record.levelno, record.getMessage(),
                                label=getattr(record, "siyu_label", None),
                                episode=getattr(record, "siyu_episode", None))
        return True

    def close(self, episode: str) -> int:
        """The failures of `episode` are over: how many of their records were held back and not yet said
        (for the line that says it is over); they are forgotten, so no count of them is said later (at the
        next flush, or as the service stops) and the same failure coming back is said at once."""
        held = 0
        for key, seen in list(self._seen.items()):
            if seen.episode == episode:
                held += seen.repeats
                self._seen.pop(key, None)
        return held

    @classmethod
    def close_episode(cls, episode: str) -> int:
        """close() on the throttle in use; 0 when logging is not throttled (tools, tests)."""
        return cls.active.close(episode) if cls.active is not None else 0

    def _summarise(self, seen: _Seen) -> None:
        repeated = f"repeated {seen.repeats} more time(s) in {human_duration(self.interval_s)}"
        if seen.label is None:
            message = f"{seen.message} [{repeated}]"
        else:
            last = "" if seen.last == seen.label else _particulars(seen.last, seen.label)
            message = f"{seen.label} [{repeated}; last: {last}]" if last else f"{seen.label} [{repeated}]"
        logging.getLogger(seen.logger).log(seen.level, "%s", message, extra={"siyu_summary": True})
        seen.repeats = 0

    def flush(self, *, everything: bool = False) -> None:
        """Say how often each suppressed failure repeated, once its interval is over (`everything`: now, as the
        service stops — a count still pending would otherwise never be said)."""
        now = self.clock()
        for key, seen in list(self._seen.items()):
            if everything or now - seen.since >= self.interval_s:
                if seen.repeats:
                    self._summarise(seen)
                del self._seen[key]

    @classmethod
    async def flush_forever(cls) -> None:
        while True:
            await asyncio.sleep(REPEAT_INTERVAL_S / 2)
            if cls.active is not None:
                cls.active.flush()


def _particulars(message: str, label: str) -> str:
    """The message after what it shares with the label, from a ": " on (the parser's own words)."""
    shared = 0
    while shared < min(len(message), len(label)) and message[shared] == label[shared]:
        shared += 1
    cut = message.rfind(": ", 0, shared + 1)
    return message[cut + 2:] if cut >= 0 else message


def setup_logging() -> None:
    level = os.environ.get("SIYU_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level if level in logging.getLevelNamesMapping() else "INFO",
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    LogThrottle.active = LogThrottle()
    for handler in logging.getLogger().handlers:
        handler.addFilter(LogThrottle.active)


def conversation_tag(key: str) -> str:
    """A short stable hash of a conversation key: lines of one conversation can be followed without
    the log naming the customer. An operator holding a key finds its lines with the same function."""
    return hashlib.blake2b(key.encode(), digest_size=5).hexdigest()


def redact_url(url: str) -> str:
    """A store URL without its password: the one before the @, and redis-py's `?password=` query parameter."""
    parts = urlsplit(url)
    query = re.sub(r"(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    netloc = parts.netloc
    if parts.password is not None:
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        netloc = (f"{parts.username}:***@" if parts.username else ":***@") + host
    if netloc == parts.netloc:  # only the query changes (urlunsplit would turn unix:///path into unix:/path)
        return url.replace("?" + parts.query, "?" + query, 1) if query != parts.query else url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def settings_summary(settings: Settings, content: ContentLocation) -> str:
    """One line of what this process runs with; secrets (Token, EncodingAESKey, Secret) never appear."""
    store = redact_url(settings.redis_url) if settings.redis_url else "embedded (in-memory, one process)"
    agent = settings.agent_id if settings.agent_id is not None else "unset"
    return (f"config: corp {settings.corp_id}, agent {agent}, store {store}, WeCom API {settings.api_base}, "
            f"content {content.path} ({content.source}), persona {_persona(settings)}, "
            f"burst window {human_duration(settings.burst_window)}, "
            f"kf welcome hold {human_duration(settings.kf_welcome_hold)}, time zone {settings.timezone}, "
            f"log level {logging.getLevelName(logging.getLogger().getEffectiveLevel())}, "
            f"retention {retention_summary(settings)}")


def _persona(settings: Settings) -> str:
    """The persona file in use: SIYU_PERSONA, else the one the content loader takes by default, said as such."""
    if settings.persona:
        return settings.persona
    from bot.engine.draft import DEFAULT_PERSONA

    names = sorted(path.stem for path in (settings.content_dir / "persona").glob("*.yaml") if path.stem != "rules")
    return f"{DEFAULT_PERSONA if DEFAULT_PERSONA in names else (names or ['?'])[0]} (default)"


def retention_summary(settings: Settings) -> str:
    """How long each family is kept, as the SIYU_RETAIN_* settings write it: queue 1h, sessions 90d, ..."""
    from bot.retention.policy import SETTINGS

    return " ".join(f"{name.removeprefix('SIYU_RETAIN_').lower()} {human_duration(getattr(settings.retention, field))}"
                    for name, field in SETTINGS.items())
