"""Times carried by callbacks and kf messages (CreateTime, send_time), read without trusting them.

WeCom sends unix seconds as text; a field that is missing, empty, not a number or not finite is taken as
`fallback` (when the event was received, or now), so a garbled time never fails the handler and
dead-letters the churn, relation or welcome the event carries.
"""

from __future__ import annotations

import math


def unix_time(value: str | float | None, fallback: float) -> float:
    try:
        seconds = float(value) if value not in (None, "") else fallback
    except (TypeError, ValueError):
        return fallback
    return seconds if math.isfinite(seconds) and seconds > 0 else fallback
