"""The fake WeCom's customer tags (externalcontact): the corp's tag library, staff relations and the tags
each relation carries, as staff would change them in the WeCom client.

- get_corp_tag_list / add_corp_tag: groups and tags (40071 for a name that exists, 40068 for an unknown
  group id, 40058 for an empty name);
- mark_tag: add and remove tag ids on one staff relation (84061 without the relation, 40068 for a tag id
  that does not exist, e.g. deleted in the admin console);
- get: the customer and every staff relation with its tags (84061 when there is none).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CustomerTags:
    corp_tags: list[dict[str, Any]] = field(default_factory=list)  # tag groups as get_corp_tag_list returns
    relations: dict[str, dict[str, set[str]]] = field(default_factory=dict)  # customer → staff → tag ids
    marked: list[dict[str, Any]] = field(default_factory=list)  # mark_tag calls that succeeded
    _tag_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- customer tags, as staff would change them in the WeCom client -----------------------------
    def add_relation(self, external_userid: str, userid: str) -> None:
        self.relations.setdefault(external_userid, {}).setdefault(userid, set())

    def drop_relation(self, external_userid: str, userid: str) -> None:
        self.relations.get(external_userid, {}).pop(userid, None)

    def tag_id(self, name: str) -> str:
        return next(t["id"] for g in self.corp_tags for t in g["tag"] if t["name"] == name)

    def tags_of(self, external_userid: str, userid: str) -> set[str]:
        names = {t["id"]: t["name"] for g in self.corp_tags for t in g["tag"]}
        return {names[i] for i in self.relations.get(external_userid, {}).get(userid, set())}

    def staff_marks(self, external_userid: str, userid: str, add: tuple[str, ...] = (),
                    remove: tuple[str, ...] = ()) -> None:
        """A staff member tags the customer by hand (WeCom sends edit_external_contact for it)."""
        tags = self.relations[external_userid][userid]
        tags.update(self.tag_id(n) for n in add)
        tags.difference_update(self.tag_id(n) for n in remove)

    def delete_tag(self, name: str) -> None:
        """Someone deletes one of the corp's tags in the admin console."""
        for group in self.corp_tags:
            group["tag"] = [t for t in group["tag"] if t["name"] != name]

    # -- customer tags (externalcontact) -------------------------------------------------------------
    def _externalcontact_get_corp_tag_list(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"tag_group": [{**g, "tag": [dict(t) for t in g["tag"]]} for g in self.corp_tags]}

    def _externalcontact_add_corp_tag(self, body: dict[str, Any]) -> dict[str, Any]:
        names = [str(t.get("name", "")) for t in body.get("tag", [])]
        if not names or not all(names):
            return {"errcode": 40058, "errmsg": "invalid parameter: tag"}
        if body.get("group_id"):
            group = next((g for g in self.corp_tags if g["group_id"] == body["group_id"]), None)
            if group is None:
                return {"errcode": 40068, "errmsg": "invalid tagid"}
        else:
            group = next((g for g in self.corp_tags if g["group_name"] == body.get("group_name")), None)
            if group is None:
                group = {"group_id": f"grp{next(self._tag_ids)}", "group_name": str(body.get("group_name")),
                         "create_time": int(time.time()), "order": 0, "tag": []}
                self.corp_tags.append(group)
        if any(t["name"] in names for t in group["tag"]) or len(set(names)) != len(names):
            return {"errcode": 40071, "errmsg": "tag name already exists"}
        created = [{"id": f"et{next(self._tag_ids)}", "name": n, "create_time": int(time.time()), "order": 0}
                   for n in names]
        group["tag"].extend(created)
        return {"tag_group": {k: v for k, v in group.items() if k != "tag"} | {"tag": created}}

    def _externalcontact_mark_tag(self, body: dict[str, Any]) -> dict[str, Any]:
        relation = self.relations.get(str(body.get("external_userid")), {}).get(str(body.get("userid")))
        if relation is None:
            return {"errcode": 84061, "errmsg": "not external contact"}
        known = {t["id"] for g in self.corp_tags for t in g["tag"]}
        wanted = [*body.get("add_tag", []), *body.get("remove_tag", [])]
        if not wanted or any(tag not in known for tag in wanted):
            return {"errcode": 40068, "errmsg": "invalid tagid"}
        relation.update(body.get("add_tag", []))
        relation.difference_update(body.get("remove_tag", []))
        self.marked.append(body)
        return {}

    def _externalcontact_get(self, body: dict[str, Any]) -> dict[str, Any]:
        customer = str(body.get("external_userid", ""))
        staff = self.relations.get(customer)
        if not staff:
            return {"errcode": 84061, "errmsg": "not external contact"}
        groups = {t["id"]: (g["group_name"], t["name"]) for g in self.corp_tags for t in g["tag"]}
        follow = [{"userid": userid, "remark": "", "createtime": 0,
                   "tags": [{"group_name": groups[i][0], "tag_name": groups[i][1], "tag_id": i, "type": 1}
                            for i in sorted(ids) if i in groups]}
                  for userid, ids in staff.items()]
        return {"external_contact": {"external_userid": customer, "name": "customer", "type": 1},
                "follow_user": follow}
