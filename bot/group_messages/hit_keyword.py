"""数据与智能专区 keyword rules: a hit_keyword event, then chatdata/keyword/get_hit_msg_list.

The zone says which message (msgid, sender, chat, time) hit which rule; the text stays in the zone.
The cursor is stored after each page, the event's token (valid 10 minutes) is passed on when there is
one (without it WeCom applies a strict frequency limit), and only customer-group messages from
customers are handed on. What a rule means (category, severity) is in groups/ladder.yaml.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.group_messages.exclusive import Exclusive
from bot.group_messages.observed import Observed
from bot.groups.wecom import GroupAPI
from bot.protocol.api import WeComError, is_transient
from bot.store.base import Store
from bot.store.unreadable import keep

log = logging.getLogger(__name__)

CURSOR_KEY = "siyu:hitkw:cursor"
HIT_ENDPOINT = "wecom:chatdata/keyword/get_hit_msg_list"  # the kept hits' "key": where they came from
EMPLOYEE_SENDER = 1


class HitKeywordSource:
    name = "keyword"

    def __init__(self, api: GroupAPI, store: Store, sink: Callable[[Observed], Awaitable[bool]]) -> None:
        self.api = api
        self.store = store
        self.sink = sink
        self.exclusive = Exclusive(store, "hitkw")

    async def pull(self, hint: str = "") -> int:
        queued = 0

        async def drain() -> None:
            nonlocal queued
            token = hint
            cursor = await self.store.get(CURSOR_KEY) or ""
            while True:
                try:
                    page = await self.api.hit_messages(token, cursor)
                except WeComError as error:
                    if not token or is_transient(error):  # the client retried these already
                        raise
                    log.info("keyword hits: the event's token was refused (%s); reading without it", error.errcode)
                    token = ""
                    continue
                items = page.get("msg_list") or []
                for item in items if isinstance(items, list) else [items]:
                    queued += await self._readable(item)
                cursor = str(page.get("next_cursor") or cursor)
                await self.store.set(CURSOR_KEY, cursor)
                await self.exclusive.renew()
                if page.get("has_more") not in (1, "1", True):
                    return

        if not await self.exclusive.run(drain):
            log.info("another process is reading keyword hits; it will read this notification's too")
        return queued

    async def _readable(self, item: Any) -> int:
        """A hit WeCom wrote in another shape (no object, a type or time that is no number) failed the pull at the
        same place every time: the cursor stayed before it and keyword moderation was silent for good. It is now
        kept for the operator (siyu:log:unreadable; a hit holds ids and times, never text) and the pull goes on."""
        try:
            return await self._one(item)
        except (AttributeError, TypeError, ValueError) as error:
            await keep(self.store, HIT_ENDPOINT, f"a keyword hit that cannot be read: {error!r}", json.dumps(item),
                       "skipped, the pull goes on")
            return 0

    async def _one(self, item: dict[str, Any]) -> int:
        detail = item.get("msg_detail")
        if not isinstance(detail, dict) or not detail.get("chatid"):
            return 0  # a 1:1 conversation: not a customer group
        found = detail.get("sender")
        sender: dict[str, Any] = found if isinstance(found, dict) else {}
        staff = int(sender.get("type") or 0) == EMPLOYEE_SENDER
        queued = 0
        for rule in item.get("hit_rule_list") or []:
            observed = Observed(
                source="keyword",
                msgid=str(item.get("msgid", "")),
                chat_id=str(detail.get("chatid", "")),
                sender=str(sender.get("id", "")),
                sent_at=float(detail.get("send_time") or 0),
                msgtype="text",
                keyword_rule=str(rule.get("rule_id", "")),
                sender_is_staff=staff,
            )
            queued += int(await self.sink(observed))
        return queued
