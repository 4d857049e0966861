"""How an owner's notice names the customer (docs/groups.md "Owner notices": the customer's name).

The name WeCom gives (group nickname, else WeChat name) is what the owner sees in the group, so it is said as is.
Without one (a member the registry has not fetched yet, or who set none) the notice says so in words and adds the
last characters of the id, marked as a tail (…）: a bare userid (`wmSpammer`, or 32 letters of
`wmXa8…`) reads as a name, and six characters cut from a short one (`（pammer）`) read as a mangled fragment.
"""

from __future__ import annotations

TAIL = 4  # enough to tell two nameless members apart in a notice; the audit record keeps the whole id
NO_NAME = "未显示昵称的群成员"


def member_label(name: str | None, userid: str) -> str:
    """The member's name; else 未显示昵称的群成员（ID …x7Kq）, the whole id when it is short."""
    shown = " ".join((name or "").split())
    if shown:
        return shown
    userid = userid.strip()
    if not userid:
        return NO_NAME
    tail = userid if len(userid) <= 2 * TAIL else f"…{userid[-TAIL:]}"
    return f"{NO_NAME}（ID {tail}）"
