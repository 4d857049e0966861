"""The 微信客服 link a contact welcome carries, so that the customer talks to the bot where it can answer.

Either configured (SIYU_KF_URL, a link made with the scene `contact_welcome`) or made once with
kf/add_contact_way for SIYU_KF_OPEN_KFID and kept in the store. The acquisition channel (the 活码 State)
travels in `scene_param`, so the kf session knows where the customer came from.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote

from bot.protocol.api import WeComAPI, WeComError
from bot.store.base import Store

log = logging.getLogger(__name__)

CONTACT_SCENE = "contact_welcome"  # ≤ 32 bytes of [0-9a-zA-Z_-]; bot/engine/welcome.py knows it too
SCENE_PARAM_LIMIT = 128  # bytes of scene_param after url-encoding


class KfLink:
    def __init__(self, store: Store, api: WeComAPI, *, url: str | None, open_kfid: str | None) -> None:
        self.store = store
        self.api = api
        self.url = url
        self.open_kfid = open_kfid
        self._making = asyncio.Lock()  # one add_contact_way at a time in this process

    @property
    def configured(self) -> bool:
        return bool(self.url or self.open_kfid)

    async def for_channel(self, channel: str) -> str | None:
        base = await self.base()
        if not base:
            return None
        param = quote(channel, safe="")
        if not channel or len(param) > SCENE_PARAM_LIMIT:
            return base
        return f"{base}{'&' if '?' in base else '?'}scene_param={param}"

    async def warm(self) -> None:
        """Make the link before the first welcome needs it (a welcome code is valid for 20 s only)."""
        try:
            await self.base()
        except self.store.unavailable as error:  # the first welcome makes it then
            log.warning("the kf link was not made at start: the store does not answer (%s)", type(error).__name__)

    async def base(self) -> str | None:
        if self.url:
            return self.url
        if not self.open_kfid:
            return None
        key = f"siyu:kf:{self.open_kfid}:contact_url"
        async with self._making:
            cached = await self.store.get(key)
            if cached:
                return cached
            return await self._make(key)

    async def _make(self, key: str) -> str | None:
        try:
            body = await self.api.call("kf/add_contact_way", {"open_kfid": str(self.open_kfid), "scene": CONTACT_SCENE})
        except WeComError as error:
            log.warning("could not get the kf link for contact welcomes (errcode %s); welcomes go without it",
                        error.errcode)
            return None
        url = str(body.get("url", ""))
        if url:
            await self.store.set(key, url)  # WeCom's kf links do not expire
        return url or None
