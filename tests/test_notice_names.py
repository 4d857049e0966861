"""The owner's notice names the customer readably: the member's name, or a placeholder with a marked id tail —
never `name-wmSpammer（pammer）` (six characters cut from a short id) nor a bare userid."""

from __future__ import annotations

from bot.enforcement.names import member_label
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import moderation_stack, said


def test_a_named_member_is_called_by_the_name_alone() -> None:
    assert member_label("小美", "wmSpammer") == "小美"
    assert member_label("  小美 \n", "wmSpammer") == "小美"


def test_a_nameless_member_gets_a_placeholder_with_a_marked_tail() -> None:
    assert member_label("", "wmAbCdEfGh0123456789x7Kq") == "未显示昵称的群成员（ID …x7Kq）"
    assert member_label(None, "wmSpammer") == "未显示昵称的群成员（ID …mmer）"
    assert member_label("", "wmSpam") == "未显示昵称的群成员（ID wmSpam）"  # short: the whole id, no fragment
    assert member_label(" ", "") == "未显示昵称的群成员"


async def test_the_owner_reads_the_members_name_not_a_fragment_of_the_id(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrA", "护肤日常1群", "anna", ["wmSpammer", "wmQuiet"])
    for member in fake.groups["wrA"]["member_list"]:
        member["name"] = {"wmSpammer": "小李", "wmQuiet": ""}.get(member["userid"], member["name"])
    async with moderation_stack(store, fake) as stack:
        clock = stack.groups.clock
        await stack.groups.reconciler.sync_all()
        assert await stack.moderation.handle(said("m1", "wrA", "wmSpammer", "加我微信领福利", clock())) == "acted"
        assert await stack.moderation.handle(said("m2", "wrA", "wmQuiet", "加我微信领福利", clock())) == "acted"
        clock.advance(61)
        await stack.notifier.flush()
        told = "\n".join(fake.messages_to("anna"))
        assert "小李" in told and "pammer" not in told and "小李（" not in told, told
        assert "未显示昵称的群成员（ID wmQuiet）" in told, told
