"""What an owner notice says: one notice, or many as one digest, within one app message.

The texts are the operator's (groups/ladder.yaml `notices.texts`); this module only fills them in and
decides which notices travel together: alerts always alone and first, the others alone while there are
few, else as one digest of at most 2,048 bytes ("……还有 N 条").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.groups.spec import Notices

TEXT_LIMIT = 2048  # message/send text.content, bytes
ABOUT = "about"  # the field holding the customer's tag (retention/tags.py): never shown, found by siyu forget


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Notice:
    id: str  # unique per notice: a redelivered decision adds the same member, not a second one
    kind: str  # notice | removal | alert
    fields: dict[str, str] = field(default_factory=dict)

    def member(self) -> str:
        return json.dumps({"id": self.id, "kind": self.kind, "fields": self.fields}, ensure_ascii=False,
                          sort_keys=True, separators=(",", ":"))

    @classmethod
    def parse(cls, member: str) -> Notice:
        data = json.loads(member)
        return cls(str(data["id"]), str(data["kind"]), dict(data.get("fields") or {}))


def fit(text: str, limit: int = TEXT_LIMIT) -> str:
    raw = text.encode()
    return text if len(raw) <= limit else raw[: limit - 3].decode(errors="ignore") + "…"


def render(notice: Notice, settings: Notices) -> str:
    texts = settings.texts
    template = {"alert": texts.alert, "removal": texts.removal}.get(notice.kind, texts.notice)
    return fit(template.format_map(_Blank(notice.fields)))


def plan(pending: list[str], budget: int, settings: Notices) -> list[tuple[list[str], str]]:
    """(notice members, text) of the messages to send now, at most `budget` of them."""
    texts = settings.texts
    messages: list[tuple[list[str], str]] = []
    alerts = [m for m in pending if Notice.parse(m).kind == "alert"]
    others = [m for m in pending if Notice.parse(m).kind != "alert"]
    for member in alerts[:budget]:
        messages.append(([member], render(Notice.parse(member), settings)))
    room = budget - len(messages)
    if room <= 0 or not others:
        return messages
    if len(others) <= min(settings.digest_after, room):
        messages.extend(([m], render(Notice.parse(m), settings)) for m in others)
        return messages
    lines: list[str] = []
    for member in others:
        line = texts.digest_line.format_map(_Blank(Notice.parse(member).fields))
        trial = texts.digest.format_map(_Blank(count=len(others), lines="\n".join([*lines, line]), more=""))
        if len(trial.encode()) > TEXT_LIMIT - 200:
            break
        lines.append(line)
    more = len(others) - len(lines)
    tail = texts.digest_more.format_map(_Blank(more=more)) if more else ""
    digest = texts.digest.format_map(_Blank(count=len(others), lines="\n".join(lines), more=tail))
    messages.append((others, fit(digest)))
    return messages
