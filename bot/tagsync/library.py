"""The codebook's tags in WeCom: created once (safe to run again), their ids kept in the store."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.profile.codebook import Codebook
from bot.protocol.api import WeComAPI
from bot.store.base import Store

TAG_IDS = "siyu:tags:ids"  # tag name → {"id", "group", "group_id"}; "" once the tag is gone from WeCom


@dataclass(frozen=True)
class TagId:
    id: str
    group: str
    group_id: str


@dataclass
class LibraryReport:
    created_groups: list[str] = field(default_factory=list)
    created_tags: list[str] = field(default_factory=list)  # "group/tag"
    existing_tags: int = 0
    unknown_in_groups: list[str] = field(default_factory=list)  # in our groups but not in the codebook

    def lines(self) -> list[str]:
        out = [f"已存在的标签 {self.existing_tags} 个"]
        if self.created_groups:
            out.append("新建标签组: " + "、".join(self.created_groups))
        out.append("新建标签: " + ("、".join(self.created_tags) if self.created_tags else "无（都已存在）"))
        if self.unknown_in_groups:
            out.append("这些标签组里还有编码本之外的标签（不动它们）: " + "、".join(self.unknown_in_groups))
        return out


class TagLibrary:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def ids(self) -> dict[str, TagId]:
        raw = await self.store.hgetall(TAG_IDS)
        return {name: TagId(**json.loads(value)) for name, value in raw.items() if value}

    async def names_by_id(self) -> dict[str, str]:
        return {tag.id: name for name, tag in (await self.ids()).items()}

    async def _remember(self, found: dict[str, TagId]) -> None:
        mapping = {name: json.dumps(tag.__dict__, ensure_ascii=False) for name, tag in found.items()}
        stale = {name: "" for name in await self.store.hgetall(TAG_IDS) if name not in found}
        if mapping or stale:
            await self.store.hset(TAG_IDS, {**stale, **mapping})

    async def refresh(self, api: WeComAPI, codebook: Codebook) -> dict[str, TagId]:
        """Read the ids of our tags from WeCom again (after a 40068 or a change_external_tag event)."""
        found, _ = _index(await api.get_corp_tag_list(), codebook)
        await self._remember(found)
        return found

    async def sync(self, api: WeComAPI, codebook: Codebook) -> LibraryReport:
        """Create what is missing; never creates a tag twice, never touches tags that are not ours."""
        report = LibraryReport()
        found, groups = _index(await api.get_corp_tag_list(), codebook)
        report.existing_tags = len(found)
        for group, names in codebook.groups().items():
            missing = [name for name in names if name not in found]
            report.unknown_in_groups += [f"{group}/{n}" for n in groups.get(group, {}).get("tags", {})
                                         if n not in codebook.tags]
            if not missing:
                continue
            group_id = groups.get(group, {}).get("id", "")
            created = await api.add_corp_tag(missing, group_id=group_id, group_name=group)
            if not group_id:
                report.created_groups.append(group)
            for tag in created.get("tag", []):
                if tag.get("name") in missing:
                    found[tag["name"]] = TagId(str(tag["id"]), group, str(created.get("group_id", group_id)))
                    report.created_tags.append(f"{group}/{tag['name']}")
        await self._remember(found)
        return report


def _index(tag_groups: list[dict[str, Any]], codebook: Codebook) -> tuple[dict[str, TagId], dict[str, Any]]:
    """Our tags (by codebook name and group) among the corp's, and every group by name."""
    found: dict[str, TagId] = {}
    groups: dict[str, Any] = {}
    for group in tag_groups:
        if group.get("deleted"):
            continue
        name, group_id = str(group.get("group_name", "")), str(group.get("group_id", ""))
        tags = {str(t.get("name")): str(t.get("id")) for t in group.get("tag", []) if not t.get("deleted")}
        groups.setdefault(name, {"id": group_id, "tags": tags})
        for tag, info in codebook.tags.items():
            if info.group == name and tag in tags:
                found[tag] = TagId(tags[tag], name, group_id)
    return found, groups
