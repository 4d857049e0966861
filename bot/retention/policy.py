"""Retention: how long each family of keys is kept. docs/gateway.md lists every key family.

The configurable ones are policy (customer text, logs, dead letters); the fixed ones are set by WeCom's
own windows or are short-lived locks, and hold no customer text.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 24 * 3600.0


@dataclass(frozen=True)
class Retention:
    queue_s: float = 3600.0  # acknowledged queue entries: they carry what the customer wrote
    sessions_s: float = 90 * DAY  # a conversation's state (flow, slots, pending burst, answered turns)
    profiles_s: float = 400 * DAY  # what the bot knows about a customer (tags, survey answers, opt-out, offers)
    near_misses_s: float = 30 * DAY  # customer questions that nearly matched an FAQ (`siyu misses`)
    logs_s: float = 30 * DAY  # operator logs: churn, kf send failures, unanswered, unknown callbacks
    dead_letters_s: float = 7 * DAY  # replies and events given up on (`siyu deadletters`)


# environment variable -> Retention field
SETTINGS = {
    "SIYU_RETAIN_QUEUE": "queue_s",
    "SIYU_RETAIN_SESSIONS": "sessions_s",
    "SIYU_RETAIN_PROFILES": "profiles_s",
    "SIYU_RETAIN_NEAR_MISSES": "near_misses_s",
    "SIYU_RETAIN_LOGS": "logs_s",
    "SIYU_RETAIN_DEADLETTERS": "dead_letters_s",
}
