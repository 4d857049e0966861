"""The customer-group registry in the store: each group's facts and its members.

Per group: a hash `siyu:grp:<chat_id>` (name, owner, type, member_version, ...) and its members packed
in one string `siyu:grp:<chat_id>:m` (JSON: userid → [type, join_scene, join_time, name]); a group of
200 members costs one key of ~10 KB instead of a 200-field hash (see bench/groups_registry.py). Every
change to a group's members happens under that group's lease, so a `siyu groups sync` running beside
the live bot cannot interleave with an event.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from bot.store.base import Store
from bot.store.unreadable import keep

INDEX = "siyu:grp:index"  # sorted set of every chat id ever seen, scored by first sight
DISMISSED_INDEX = "siyu:grp:dismissed"  # dismissed chat ids by dismissal time: the janitor drops them later
LOCK_TTL_MS = 15_000
EMPLOYEE, EXTERNAL = 1, 2
LIVE, DISMISSED = "live", "dismissed"
NUMBERS = {"members": int, "synced_at": float, "follow_status": int}  # the hash's fields read as numbers
UNREADABLE = "unreadable"  # set when the members could not be read: the next snapshot counts no joins


def group_key(chat_id: str) -> str:
    return f"siyu:grp:{chat_id}"


def members_key(chat_id: str) -> str:
    return f"siyu:grp:{chat_id}:m"


def member_type_of(userid: str) -> int:
    """Without a snapshot: external contacts' ids start with wm/wo (WeChat) — everything else is staff."""
    return EXTERNAL if userid[:2] in ("wm", "wo") else EMPLOYEE


@dataclass(frozen=True, slots=True)
class Member:
    userid: str
    type: int
    join_scene: int = 0
    join_time: int = 0
    name: str = ""

    def packed(self) -> list[Any]:
        return [self.type, self.join_scene, self.join_time, self.name]


@dataclass(frozen=True, slots=True)
class Group:
    chat_id: str
    name: str = ""
    owner: str = ""
    type: str = ""
    version: str = ""  # WeCom's member_version
    status: str = LIVE
    member_count: int = 0
    synced_at: float = 0.0  # when the last groupchat/get snapshot was applied
    admins: tuple[str, ...] = ()
    follow_status: int = 0  # groupchat/list status: 0 normal, 1-3 owner left the company

    @classmethod
    def from_hash(cls, chat_id: str, raw: dict[str, str]) -> Group:
        return cls(
            chat_id=chat_id,
            name=raw.get("name", ""),
            owner=raw.get("owner", ""),
            type=raw.get("type", ""),
            version=raw.get("version", ""),
            status=raw.get("status", LIVE),
            member_count=int(raw.get("members") or 0),
            synced_at=float(raw.get("synced_at") or 0),
            admins=tuple(a for a in raw.get("admins", "").split(",") if a),
            follow_status=int(raw.get("follow_status") or 0),
        )


@dataclass
class Diff:
    """What a change did to the member list: only real transitions, so counting them never doubles."""

    joined: list[Member] = field(default_factory=list)
    left: list[Member] = field(default_factory=list)
    known_before: bool = True  # False for a group seen for the first time (its members are not "joins")

    @property
    def empty(self) -> bool:
        return not self.joined and not self.left


class Registry:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._owner = uuid.uuid4().hex

    async def get(self, chat_id: str) -> Group | None:
        raw = await self.store.hgetall(group_key(chat_id))
        if not raw:
            return None
        try:
            return Group.from_hash(chat_id, raw)
        except ValueError as error:  # a hand edit, another tool: failing here failed every event of the group
            await keep(self.store, group_key(chat_id), f"a number field is not a number: {error}",
                       json.dumps(raw, ensure_ascii=False), "read without it; the group is fetched again")
            bad = {name: "" for name, kind in NUMBERS.items() if not _is_number(kind, raw.get(name))}
            await self.store.hset(group_key(chat_id), bad | {"version": ""})  # no version: the next change fetches
            return Group.from_hash(chat_id, await self.store.hgetall(group_key(chat_id)))

    async def members(self, chat_id: str) -> dict[str, Member]:
        """The members ({} when unreadable: only a change, under the group's lease, keeps and drops such a list —
        a reader deleting it could wipe the list another process had just written)."""
        return (await self._read_members(chat_id, repair=False))[0]

    async def _read_members(self, chat_id: str, *, repair: bool = True) -> tuple[dict[str, Member], bool]:
        """The members, and False when they could not be read (with `repair`, under the lease: kept for the
        operator, dropped, to be fetched)."""
        raw = await self.store.get(members_key(chat_id))
        try:
            return _unpack(raw), True
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as error:
            assert raw is not None
            if not repair:
                return {}, False
            await keep(self.store, members_key(chat_id), f"{type(error).__name__}: {error}", raw,
                       "the members are fetched again from WeCom, without counting joins")
            await self.store.delete(members_key(chat_id))
            await self.store.hset(group_key(chat_id), {"version": "", UNREADABLE: "1"})
            return {}, False

    async def member(self, chat_id: str, userid: str) -> Member | None:
        return (await self.members(chat_id)).get(userid)

    async def chat_ids(self, limit: int = 10_000_000) -> list[str]:
        return [member for member, _ in await self.store.zdue(INDEX, float("inf"), limit)]

    async def set_fields(self, chat_id: str, fields: dict[str, str]) -> None:
        await self.store.hset(group_key(chat_id), fields)

    # -- changes (each under the group's lease) ----------------------------------------------------
    async def apply_snapshot(self, snapshot: dict[str, Any], type_id: str, now: float,
                             follow_status: int | None = None) -> Diff:
        """Make the registry equal to a groupchat/get answer; returns the member transitions."""
        chat_id = str(snapshot["chat_id"])
        members = {
            str(item["userid"]): Member(
                userid=str(item["userid"]),
                type=int(item.get("type") or member_type_of(str(item["userid"]))),
                join_scene=int(item.get("join_scene") or 0),
                join_time=int(item.get("join_time") or 0),
                name=str(item.get("group_nickname") or item.get("name") or ""),
            )
            for item in snapshot.get("member_list") or []
            if item.get("userid")
        }
        async with self._locked(chat_id):
            before = await self.members(chat_id)
            before_raw = await self.store.hgetall(group_key(chat_id))
            fields = {
                "name": str(snapshot.get("name", "")),
                "owner": str(snapshot.get("owner", "")),
                "notice": str(snapshot.get("notice", ""))[:500],
                "created": str(snapshot.get("create_time", "")),
                "type": type_id,
                "version": str(snapshot.get("member_version", "")),
                "status": LIVE,
                "members": str(len(members)),
                "synced_at": f"{now:.3f}",
                "admins": ",".join(str(a.get("userid", "")) for a in snapshot.get("admin_list") or []),
                UNREADABLE: "",
            }
            if follow_status is not None:
                fields["follow_status"] = str(follow_status)
            await self.store.hset(group_key(chat_id), fields)
            await self.store.set(members_key(chat_id), _pack(members))
            if not before_raw:
                await self.store.zadd(INDEX, chat_id, now)
            return Diff(
                joined=[m for uid, m in members.items() if uid not in before],
                left=[m for uid, m in before.items() if uid not in members],
                known_before=(bool(before_raw) and before_raw.get("status") != DISMISSED
                              and not before_raw.get(UNREADABLE)),
            )

    async def apply_delta(self, chat_id: str, *, joined: list[Member], left: list[str], version: str,
                          updated_at: float) -> Diff:
        """Apply one add_member/del_member event whose LastMemVer matched the stored version."""
        async with self._locked(chat_id):
            members, readable = await self._read_members(chat_id)
            if not readable:
                return Diff(known_before=False)  # nothing to apply the change to: the caller fetches the group
            diff = Diff()
            for member in joined:
                if member.userid not in members:
                    members[member.userid] = member
                    diff.joined.append(member)
            for userid in left:
                gone = members.pop(userid, None)
                if gone is not None:
                    diff.left.append(gone)
            await self.store.set(members_key(chat_id), _pack(members))
            await self.store.hset(group_key(chat_id), {
                "version": version, "members": str(len(members)), "updated_at": f"{updated_at:.3f}"})
            return diff

    async def remove_member(self, chat_id: str, userid: str) -> bool:
        """Forget one member without counting a leave (siyu forget); False when they were not listed."""
        if userid not in await self.members(chat_id):
            return False
        async with self._locked(chat_id):
            members = await self.members(chat_id)
            if members.pop(userid, None) is None:
                return False
            await self.store.set(members_key(chat_id), _pack(members))
            await self.store.hset(group_key(chat_id), {"members": str(len(members))})
            return True

    async def mark_dismissed(self, chat_id: str, at: float) -> Diff:
        async with self._locked(chat_id):
            members = await self.members(chat_id)
            await self.store.hset(group_key(chat_id), {
                "status": DISMISSED, "members": "0", "dismissed_at": f"{at:.3f}"})
            await self.store.delete(members_key(chat_id))
            await self.store.zadd(INDEX, chat_id, at)
            await self.store.zadd(DISMISSED_INDEX, chat_id, at)
            return Diff(left=list(members.values()))

    def _locked(self, chat_id: str) -> _Lease:
        return _Lease(self.store, f"siyu:grp:{chat_id}:lock", self._owner)


class _Lease:
    def __init__(self, store: Store, key: str, owner: str) -> None:
        self.store, self.key, self.owner = store, key, owner

    async def __aenter__(self) -> None:
        for _ in range(1000):
            if await self.store.acquire(self.key, self.owner, LOCK_TTL_MS):
                return
            await asyncio.sleep(0.01)
        raise TimeoutError(f"group lease {self.key} is held elsewhere")

    async def __aexit__(self, *_: object) -> None:
        await self.store.release(self.key, self.owner)


def _is_number(kind: type[int] | type[float], value: str | None) -> bool:
    try:
        kind(value or 0)
    except ValueError:
        return False
    return True


def _pack(members: dict[str, Member]) -> str:
    return json.dumps({uid: m.packed() for uid, m in members.items()}, ensure_ascii=False, separators=(",", ":"))


def _unpack(raw: str | None) -> dict[str, Member]:
    if not raw:
        return {}
    return {uid: Member(uid, int(v[0]), int(v[1]), int(v[2]), str(v[3])) for uid, v in json.loads(raw).items()}
