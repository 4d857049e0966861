"""What an owner notice says: one notice, or many as one digest, within one app message.

The texts are the operator's (groups/ladder.yaml `notices.texts`); this module only fills them in and
decides which notices travel together: alerts first, each with the waiting notices about the same customer,
the others once their wait is over, alone while there are few, else as one digest of at most 2,048 bytes
("……还有 N 条").
"""

from __future__ import annotations

import json
from collections.abc import Collection
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


def plan(pending: list[str], budget: int, settings: Notices,
         ready: Collection[str] | None = None) -> list[tuple[list[str], str]]:
    """(notice members, text) of the messages to send now, at most `budget` of them.

    pending: every waiting notice, oldest first; ready: those whose wait is over (default all). An alert goes at
    once and takes with it the waiting notices about the same customer (texts.alert_earlier), whether their wait
    is over or not: an owner told 【紧急】 about strike 3 must not read 「第 1 次，先留意一下」 about him after it.
    The other notices go when they are ready, alone while few, else as one digest."""
    texts = settings.texts
    messages: list[tuple[list[str], str]] = []
    parsed = {m: Notice.parse(m) for m in pending}
    alerts = [m for m in pending if parsed[m].kind == "alert"]
    taken: set[str] = set()
    for member in alerts[:budget]:
        about = parsed[member].fields.get(ABOUT)
        earlier = [m for m in pending if about and m not in taken and parsed[m].kind != "alert"
                   and parsed[m].fields.get(ABOUT) == about]
        taken.update(earlier)
        text = render(parsed[member], settings)
        if earlier:
            told = "\n".join(texts.digest_line.format_map(_Blank(parsed[m].fields)) for m in earlier)
            text += texts.alert_earlier.format_map(_Blank(count=len(earlier), lines=told))
        messages.append(([member, *earlier], fit(text)))
    room = budget - len(messages)
    others = [m for m in pending if parsed[m].kind != "alert" and m not in taken
              and (ready is None or m in ready)]
    if room <= 0 or not others:
        return messages
    if len(others) <= min(settings.digest_after, room):
        messages.extend(([m], render(parsed[m], settings)) for m in others)
        return messages
    lines: list[str] = []
    for member in others:
        line = texts.digest_line.format_map(_Blank(parsed[member].fields))
        trial = texts.digest.format_map(_Blank(count=len(others), lines="\n".join([*lines, line]), more=""))
        if len(trial.encode()) > TEXT_LIMIT - 200:
            break
        lines.append(line)
    more = len(others) - len(lines)
    tail = texts.digest_more.format_map(_Blank(more=more)) if more else ""
    digest = texts.digest.format_map(_Blank(count=len(others), lines="\n".join(lines), more=tail))
    messages.append((others, fit(digest)))
    return messages
