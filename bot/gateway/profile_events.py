"""Contact events as they concern the customer's profile: staff relations, churn, tags set by people.

- add_external_contact / add_half_external_contact: a staff relation (tags a kf-only customer kept are
  written there now);
- edit_external_contact: a staff member edited the customer — tags among it — so they flow back;
- del_external_contact / del_follow_user: the relation is gone (del_follow_user is also churn);
- change_external_tag: the corp's tag library changed, our tag ids are read again.
Without WeCom API access for tags (no TagSync), only the profile is updated.
"""

from __future__ import annotations

import logging

from bot.gateway.queue import Event
from bot.gateway.times import unix_time
from bot.profile.store import Profiles
from bot.store.base import Store
from bot.tagsync.service import TagSync

log = logging.getLogger(__name__)


class ProfileEvents:
    def __init__(self, store: Store, tags: TagSync | None = None, profiles: Profiles | None = None) -> None:
        self.profiles = profiles or Profiles(store)
        self.tags = tags

    async def contact_changed(self, event: Event) -> None:
        data = event.data
        change, customer, userid = data.get("ChangeType", ""), data.get("ExternalUserID", ""), data.get("UserID", "")
        if not customer:
            return
        if change in ("add_external_contact", "add_half_external_contact") and userid:
            if self.tags is not None:
                await self.tags.relation_added(customer, userid)
            else:
                async with self.profiles.edit(customer) as profile:
                    profile.staff.setdefault(userid, [])
        elif change == "edit_external_contact" and self.tags is not None:
            await self.tags.staff_edited(customer)
        elif change in ("del_external_contact", "del_follow_user"):
            async with self.profiles.edit(customer) as profile:
                profile.staff.pop(userid, None)
                if change == "del_follow_user" and not profile.churned_at:
                    profile.churned_at = unix_time(data.get("CreateTime"), event.received)

    async def tag_library_changed(self, event: Event) -> None:
        if self.tags is None:
            log.info("change_external_tag: no tag sync configured; nothing to refresh")
            return
        await self.tags.library_changed()
        log.info("change_external_tag %s/%s: the tag pump reads our tag ids again", event.data.get("ChangeType", ""),
                 event.data.get("TagType", ""))
