"""What staff did in WeCom flows back: externalcontact/get, compared with what we know each relation has.

A tag of ours that appeared on a relation (and that the bot did not write) was set by a person; one that
disappeared was removed by a person. The profile follows both and remembers them (`human`), so the bot
never sets a removed tag again nor removes a set one. New relations are recorded (so the tags kept for a
kf-only customer can be written there), relations WeCom no longer has are forgotten.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.profile.codebook import Codebook
from bot.profile.store import Profiles
from bot.protocol.api import WeComAPI, WeComError
from bot.tagsync.library import TagLibrary
from bot.tagsync.push import NO_RELATION


@dataclass
class PullOutcome:
    added_by_staff: list[str] = field(default_factory=list)
    removed_by_staff: list[str] = field(default_factory=list)
    new_relations: list[str] = field(default_factory=list)
    gone_relations: list[str] = field(default_factory=list)


class TagPuller:
    def __init__(self, profiles: Profiles, library: TagLibrary, api: WeComAPI) -> None:
        self.profiles = profiles
        self.library = library
        self.api = api

    async def pull(self, customer: str, codebook: Codebook) -> PullOutcome:
        outcome = PullOutcome()
        names = await self.library.names_by_id()
        try:
            follow = await self.api.external_contact(customer)
        except WeComError as error:
            if error.errcode != NO_RELATION:
                raise
            follow = []  # no staff member has this customer (any more)
        in_wecom = {str(f.get("userid", "")): {names[str(t.get("tag_id"))] for t in f.get("tags", [])
                                                 if str(t.get("tag_id")) in names}
                    for f in follow if f.get("userid")}
        async with self.profiles.edit(customer) as profile:
            for userid, now_there in sorted(in_wecom.items()):
                before = profile.staff.get(userid)
                if before is None:
                    outcome.new_relations.append(userid)
                    added, removed = sorted(now_there - set(profile.tags)), []
                else:
                    added, removed = sorted(now_there - set(before)), sorted(set(before) - now_there)
                if added or removed:
                    profile.staff_changed(codebook, added, removed)
                    outcome.added_by_staff += [f"{userid} +{t}" for t in added]
                    outcome.removed_by_staff += [f"{userid} -{t}" for t in removed]
                profile.staff[userid] = sorted(now_there)
            for userid in sorted(set(profile.staff) - set(in_wecom)):
                del profile.staff[userid]
                outcome.gone_relations.append(userid)
        if outcome.new_relations:
            await self.profiles.mark_dirty(customer)  # the new relation gets the profile's tags
        return outcome
