"""Writing a customer's tags to WeCom: one mark_tag per staff relation that differs, add and remove.

Only our tags (the codebook's, with an id from `siyu sync-tags`) are ever added or removed; tags staff
keep for their own use are left alone. What each relation has is recorded in the profile right after the
call succeeds, so a retry sends only what is still missing: nothing is marked twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.profile.codebook import Codebook
from bot.profile.store import Profiles
from bot.protocol.api import WeComAPI, WeComError
from bot.tagsync.library import TagId, TagLibrary

log = logging.getLogger(__name__)

NO_RELATION = 84061  # the staff member and the customer have no relation (any more)
INVALID_TAG = 40068  # a tag id WeCom does not know (deleted in the admin console)


@dataclass
class PushOutcome:
    marked: list[str] = field(default_factory=list)  # "userid +tag" / "userid -tag"
    relations_gone: list[str] = field(default_factory=list)
    missing_in_wecom: list[str] = field(default_factory=list)  # our tags WeCom has no id for
    done: bool = True  # False: the profile changed meanwhile, push again

    @property
    def waiting_for_relation(self) -> bool:
        return not self.marked and not self.relations_gone and self.done


class TagPusher:
    def __init__(self, profiles: Profiles, library: TagLibrary, api: WeComAPI) -> None:
        self.profiles = profiles
        self.library = library
        self.api = api

    async def push(self, customer: str, codebook: Codebook) -> PushOutcome:
        """Raises WeComError for failures worth retrying later (-1, 45033, transport); records the rest."""
        outcome = PushOutcome()
        ids = await self.library.ids()
        profile = await self.profiles.load(customer)
        rev = profile.tag_rev
        desired = {t for t in profile.tags if t in ids}
        outcome.missing_in_wecom = sorted(t for t in profile.tags if t in codebook.tags and t not in ids)
        for userid, has_list in sorted(profile.staff.items()):
            has = set(has_list)
            add, remove = sorted(desired - has), sorted((has & set(ids)) - desired)
            if not add and not remove:
                continue
            try:
                gone = await self._mark(userid, customer, add, remove, ids, codebook)
                outcome.missing_in_wecom = sorted({*outcome.missing_in_wecom, *gone})
            except WeComError as error:
                if error.errcode != NO_RELATION:
                    raise
                outcome.relations_gone.append(userid)
                async with self.profiles.edit(customer) as fresh:
                    fresh.staff.pop(userid, None)
                log.info("mark_tag: the relation with a staff member is gone (84061); forgotten")
                continue
            async with self.profiles.edit(customer) as fresh:
                if userid in fresh.staff:
                    fresh.staff[userid] = sorted((set(fresh.staff[userid]) | set(add)) - set(remove))
                outcome.done = fresh.tag_rev == rev
            outcome.marked += [f"{userid} +{t}" for t in add] + [f"{userid} -{t}" for t in remove]
        if outcome.done:
            outcome.done = (await self.profiles.load(customer)).tag_rev == rev
        return outcome

    async def _mark(self, userid: str, customer: str, add: list[str], remove: list[str], ids: dict[str, TagId],
                    codebook: Codebook) -> list[str]:
        """mark_tag; returns the tags that turned out to be gone from WeCom (add/remove keep what was sent)."""
        try:
            await self.api.mark_tag(userid, customer, [ids[t].id for t in add], [ids[t].id for t in remove])
            return []
        except WeComError as error:
            if error.errcode != INVALID_TAG:
                raise
            # a tag was deleted in WeCom: read the ids again and send what still exists, once
            fresh = await self.library.refresh(self.api, codebook)
            gone = [t for t in (*add, *remove) if t not in fresh]
            log.warning("mark_tag: %d tag(s) no longer exist in WeCom (run siyu sync-tags): %s", len(gone), gone)
            kept_add, kept_remove = [t for t in add if t in fresh], [t for t in remove if t in fresh]
            if kept_add or kept_remove:
                await self.api.mark_tag(userid, customer, [fresh[t].id for t in kept_add],
                                        [fresh[t].id for t in kept_remove])
            add[:], remove[:] = kept_add, kept_remove
            return gone
