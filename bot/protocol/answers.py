"""Reading WeCom's answers: what is not one (an empty 200 body, a proxy's HTML page, JSON that is no object, an
errcode that is no number, a gettoken answer without a token) is told apart from a refusal, so that the client
can treat it as no answer (bot/protocol/api.py) instead of letting AttributeError or KeyError escape."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def answer_of(parsed: Any) -> tuple[Json, int]:
    """The answer and its errcode; ValueError when `parsed` (the body read as JSON) is not a WeCom answer."""
    if not isinstance(parsed, dict):
        raise ValueError("not a WeCom answer")
    try:
        return parsed, int(parsed.get("errcode", 0))
    except (TypeError, ValueError) as error:
        raise ValueError("not a WeCom errcode") from error


def token_of(body: Json) -> tuple[str, int] | None:
    """A gettoken answer's token and how long to keep it (5 minutes less than WeCom's expiry, 7200 s); None when it
    has no usable token."""
    token = body.get("access_token")
    try:
        expires_in = int(body.get("expires_in", 7200))
    except (TypeError, ValueError):
        return None
    if not isinstance(token, str) or not token or expires_in <= 0:
        return None
    return token, max(60, expires_in - 300)
