"""Group welcome templates synced to the fake WeCom: idempotent, ids kept, the 100 limit, owners told."""

from __future__ import annotations

import dataclasses

from bot.groups.content import GroupContent
from bot.groups.welcome import WelcomeSync
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.groups_kit import group_stack, sample_groups

WRITES = ("add", "edit", "del")


def writes(fake: FakeWeCom) -> int:
    return sum(len(fake.calls_to(f"externalcontact/group_welcome_template/{verb}")) for verb in WRITES)


def with_text(content: GroupContent, type_id: str, text: str) -> GroupContent:
    return dataclasses.replace(content, welcome_texts={**content.welcome_texts, type_id: text})


async def test_sync_creates_then_twice_changes_nothing(store: Store, fake: FakeWeCom) -> None:
    content = sample_groups()
    async with group_stack(store, fake) as stack:
        sync = WelcomeSync(stack.groups_api, store, stack.registry)
        first = await sync.sync(content)
        assert sorted(c.action for c in first.changes) == ["created"] * 4
        assert len(fake.welcome_templates) == 4
        daily = next(c for c in first.changes if c.type_id == "daily")
        sent = fake.welcome_templates[daily.template_id]
        assert sent["text"]["content"].startswith("欢迎 %NICKNAME% 来到小丸子的护肤日常群")
        assert sent["link"]["title"] == "新朋友护肤小手册" and "image" not in sent
        before = writes(fake)
        second = await sync.sync(content)
        assert [c.action for c in second.changes] == ["unchanged"] * 4 and not second.changed
        assert writes(fake) == before  # only reads the second time
        assert {c.template_id for c in second.changes} == set(fake.welcome_templates)


async def test_an_edited_welcome_keeps_its_template_id(store: Store, fake: FakeWeCom) -> None:
    content = sample_groups()
    async with group_stack(store, fake) as stack:
        sync = WelcomeSync(stack.groups_api, store, stack.registry)
        first = {c.type_id: c.template_id for c in (await sync.sync(content)).changes}
        report = await sync.sync(with_text(content, "flash", "欢迎 %NICKNAME%，快闪群第二期开始啦🙌"))
        flash = next(c for c in report.changes if c.type_id == "flash")
        assert (flash.action, flash.template_id) == ("edited", first["flash"])
        assert fake.welcome_templates[first["flash"]]["text"]["content"] == "欢迎 %NICKNAME%，快闪群第二期开始啦🙌"
        assert len(fake.welcome_templates) == 4


async def test_a_template_deleted_or_changed_in_the_console_is_put_back(store: Store, fake: FakeWeCom) -> None:
    content = sample_groups()
    async with group_stack(store, fake) as stack:
        sync = WelcomeSync(stack.groups_api, store, stack.registry)
        first = {c.type_id: c.template_id for c in (await sync.sync(content)).changes}
        del fake.welcome_templates[first["daily"]]
        fake.welcome_templates[first["flash"]] = {"text": {"content": "被人改过了"}}
        report = {c.type_id: c for c in (await sync.sync(content)).changes}
        assert report["daily"].action == "recreated" and report["daily"].template_id != first["daily"]
        assert report["flash"].action == "restored" and report["flash"].template_id == first["flash"]
        assert fake.welcome_templates[first["flash"]]["text"]["content"] == content.welcome_texts["flash"]
        assert (await sync.sync(content)).changed is False


async def test_the_100_template_limit(store: Store, fake: FakeWeCom) -> None:
    fake.foreign_templates = 98  # other apps' templates fill the library
    async with group_stack(store, fake) as stack:
        sync = WelcomeSync(stack.groups_api, store, stack.registry)
        report = await sync.sync(sample_groups())
        actions = [c.action for c in report.changes]
        assert actions.count("created") == 2 and actions.count("failed") == 2
        failed = report.by_action("failed")[0]
        assert "40058" in failed.detail and "exceeds 100" in failed.detail
        fake.foreign_templates = 0
        report = await sync.sync(sample_groups())
        assert sorted(c.action for c in report.changes) == ["created", "created", "unchanged", "unchanged"]


async def test_the_bot_counts_its_own_templates_against_the_limit(store: Store, fake: FakeWeCom) -> None:
    async with group_stack(store, fake) as stack:
        for n in range(99):
            await store.hset("siyu:welcome_templates", {f"old{n}": f'{{"id": "x{n}", "digest": "d"}}'})
        report = await WelcomeSync(stack.groups_api, store, stack.registry).sync(sample_groups())
        assert [c.action for c in report.changes].count("created") == 1
        assert "最多 100 个" in report.by_action("failed")[0].detail
        assert len(report.by_action("unused")) == 99


async def test_owners_are_told_which_template_to_attach(store: Store, fake: FakeWeCom) -> None:
    fake.add_group("wrD1", "护肤日常1群", "anna", ["wmA"])
    fake.add_group("wrD2", "护肤日常2群", "anna", ["wmB"])
    fake.add_group("wrF", "快闪第3期", "bob", ["wmC"])
    async with group_stack(store, fake) as stack:
        await stack.reconciler.sync_all()
        sync = WelcomeSync(stack.groups_api, store, stack.registry)
        report = await sync.sync(sample_groups())
        table = {(a.owner, a.type_id): a for a in report.attachments}
        assert set(table) == {("anna", "daily"), ("bob", "flash")}
        assert sorted(table["anna", "daily"].groups) == ["护肤日常1群", "护肤日常2群"] and table["anna", "daily"].new
        daily_id = next(c.template_id for c in report.changes if c.type_id == "daily")
        assert table["anna", "daily"].template_id == daily_id
        again = await sync.sync(sample_groups())
        assert not any(a.new for a in again.attachments)


async def test_a_type_removed_from_content_is_reported_then_pruned(store: Store, fake: FakeWeCom) -> None:
    content = sample_groups()
    async with group_stack(store, fake) as stack:
        sync = WelcomeSync(stack.groups_api, store, stack.registry)
        ids = {c.type_id: c.template_id for c in (await sync.sync(content)).changes}
        types = {k: v for k, v in content.types.types.items() if k != "super_user"}
        smaller = dataclasses.replace(content, types=content.types.model_copy(update={"types": types}))
        report = await sync.sync(smaller)
        assert [c.type_id for c in report.by_action("unused")] == ["super_user"]
        assert ids["super_user"] in fake.welcome_templates
        pruned = await sync.sync(smaller, prune=True)
        assert [c.type_id for c in pruned.by_action("deleted")] == ["super_user"]
        assert ids["super_user"] not in fake.welcome_templates
        assert "super_user" not in await sync.stored()
