"""groupchat/get and groupchat/list answers checked before the registry takes them (attack15b).

The registry used to take WeCom's answer as it came: `int()` of a member's type or join time and `.get()` on
every list item, so a member list that was no list, an item that was no object or a type that was no number
failed with AttributeError/ValueError/TypeError — a group change dead-lettered with a Python message, and one
such group stopped the whole periodic reconcile (its `one()` caught only WeComError) for good. Worse, an answer
without `group_chat`, or with `member_list: null`, was applied as a group without name, owner or members: every
member was counted as leaving.

Now an answer the registry cannot use whole is a MalformedAnswer (a WeComError, so every caller that handles
WeCom's refusals sees it), with one line saying which field is wrong; the caller retries it and dead-letters the
event for `siyu deadletters --replay`. A field the registry can do without (a member's type, join scene or time,
an admin written as a bare id) takes its default with one WARNING per answer.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.groups.registry import member_type_of
from bot.protocol.api import WeComError, is_misconfigured, is_transient

log = logging.getLogger(__name__)

MALFORMED_ERRCODE = -101  # our code: WeCom answered errcode 0 with something the registry cannot use
Json = dict[str, Any]


class MalformedAnswer(WeComError):
    def __init__(self, endpoint: str, what: str) -> None:
        super().__init__(endpoint, MALFORMED_ERRCODE, f"malformed answer: {what}")


def _number(value: Any, default: int, where: str, problems: list[str]) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        problems.append(f"{where} is {type(value).__name__}")
        return default
    try:
        return int(float(value))
    except (ValueError, OverflowError):
        problems.append(f"{where} is {str(value)[:20]!r}")
        return default


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def checked_group(chat_id: str, body: Json) -> Json:
    """The `group_chat` of a groupchat/get answer, normalised (strings and ints where the registry wants them)."""
    endpoint = "externalcontact/groupchat/get"
    group = body.get("group_chat")
    if not isinstance(group, dict):
        raise MalformedAnswer(endpoint, f"group_chat of {chat_id} is {type(group).__name__}, not an object")
    named = group.get("chat_id")
    if named not in (None, "", chat_id):  # applied, it replaced the members of the group it names
        raise MalformedAnswer(endpoint, f"the answer for {chat_id} is about another group")
    listed = group.get("member_list")
    if not isinstance(listed, list) or not listed:
        what = "empty" if isinstance(listed, list) else type(listed).__name__
        raise MalformedAnswer(endpoint, f"member_list of {chat_id} is {what} (a group always lists its owner)")
    problems: list[str] = []
    members: list[Json] = []
    for index, item in enumerate(listed):
        if not isinstance(item, dict) or not item.get("userid") or isinstance(item.get("userid"), (dict, list)):
            what = f"a {type(item).__name__}" if not isinstance(item, dict) else "an object without a userid"
            raise MalformedAnswer(endpoint, f"member_list[{index}] of {chat_id} is {what}")  # no ids in the log
        userid = str(item["userid"])
        members.append({
            "userid": userid,
            "type": _number(item.get("type"), member_type_of(userid), f"member_list[{index}].type", problems),
            "join_scene": _number(item.get("join_scene"), 0, f"member_list[{index}].join_scene", problems),
            "join_time": _number(item.get("join_time"), 0, f"member_list[{index}].join_time", problems),
            "group_nickname": _text(item.get("group_nickname") or item.get("name")),
        })
    admins_raw = group.get("admin_list") or []
    if not isinstance(admins_raw, list):
        problems.append(f"admin_list is {type(admins_raw).__name__}")
        admins_raw = []
    if any(not isinstance(a, dict) for a in admins_raw):
        problems.append("admin_list holds bare ids, not objects")
    admins = [{"userid": _text(a.get("userid") if isinstance(a, dict) else a)} for a in admins_raw]
    if problems:
        log.warning("groupchat/get answer for %s: %s; those fields take their defaults (%d problem(s))",
                    chat_id, ", ".join(problems[:5]), len(problems))
    return {
        "chat_id": _text(group.get("chat_id")) or chat_id,
        "name": _text(group.get("name")),
        "owner": _text(group.get("owner")),
        "notice": _text(group.get("notice")),
        "create_time": _text(group.get("create_time")),
        "member_version": _text(group.get("member_version")),
        "member_list": members,
        "admin_list": [a for a in admins if a["userid"]],
    }


def checked_page(body: Json) -> list[Json]:
    """The groups of one groupchat/list page: each with a chat id and a numeric status. A page that cannot be read
    whole is refused (a listing missing a group would mark it dismissed)."""
    endpoint = "externalcontact/groupchat/list"
    items = body.get("group_chat_list")
    if items is None:  # an empty listing says [] — a page without the list would mark every group dismissed
        raise MalformedAnswer(endpoint, "no group_chat_list")
    if not isinstance(items, list):
        raise MalformedAnswer(endpoint, f"group_chat_list is {type(items).__name__}, not a list")
    page: list[Json] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("chat_id"), str) or not item["chat_id"]:
            raise MalformedAnswer(endpoint, f"group_chat_list[{index}] has no chat_id: {str(item)[:60]!r}")
        page.append({"chat_id": item["chat_id"],
                     "status": _number(item.get("status"), 0, f"group_chat_list[{index}].status", problems)})
    if problems:
        log.warning("groupchat/list page: %s; taken as 0 (%d problem(s))", ", ".join(problems[:5]), len(problems))
    return page


OUT_OF_RANGE = 60011  # the group's owner is outside the app's visible range: the operator widens it in the console


def not_about_the_group(error: WeComError) -> bool:
    """A failure that says nothing about the group itself — WeCom busy, the app misconfigured or its visible range
    too narrow, an answer that could not be used — so the event is retried and then dead-lettered for a replay,
    never recorded as a group WeCom will not show."""
    return (is_transient(error) or is_misconfigured(error) or isinstance(error, MalformedAnswer)
            or error.errcode == OUT_OF_RANGE)
