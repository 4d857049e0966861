"""The profile's tags in WeCom, against the fake WeCom API and a real store (both backends)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.engine.content import load_content
from bot.metrics import Metrics
from bot.profile.codebook import Codebook
from bot.profile.store import TAGS_DIRTY, Profiles
from bot.protocol.api import WeComAPI
from bot.store.base import Store
from bot.tagsync.library import TAG_IDS
from bot.tagsync.service import LIBRARY_STALE, RETRY_LIBRARY_S, TAGSYNC_LOG, TagSync
from tests.conftest import TEST_REDIS_URL
from tests.fake_wecom import FakeWeCom

ROOT = Path(__file__).resolve().parent.parent
CODEBOOK: Codebook = load_content(ROOT).codebook


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0

    def __call__(self) -> float:
        return self.now


async def no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def api(fake: FakeWeCom, store: Store) -> AsyncIterator[WeComAPI]:
    async with aiohttp.ClientSession() as session:
        yield WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=Metrics(), sleep=no_sleep)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sync(store: Store, api: WeComAPI, clock: Clock) -> TagSync:
    return TagSync(store, api, lambda: CODEBOOK, clock=clock)


async def answer(store: Store, customer: str, **codes: str) -> None:
    """The survey (or the customer's own words) told the bot these answers."""
    async with Profiles(store).edit(customer) as profile:
        for question, code in codes.items():
            profile.set_answer(CODEBOOK, question, code, "survey")


def marks(fake: FakeWeCom) -> list[dict[str, object]]:
    return fake.calls_to("externalcontact/mark_tag")


# -- the tag library ------------------------------------------------------------------------------
async def test_sync_twice_creates_every_tag_once_and_stores_the_ids(fake: FakeWeCom, sync: TagSync,
                                                                     store: Store) -> None:
    first = await sync.reconcile()
    wanted = {f"{info.group}/{tag}" for tag, info in CODEBOOK.tags.items()}
    assert set(first.library.created_tags) == wanted
    assert set(first.library.created_groups) == {"肤质", "护肤困扰", "需求程度", "互动", "购买"}
    calls = len(fake.calls_to("externalcontact/add_corp_tag"))
    assert calls == 5  # one call per group
    ids = await sync.library.ids()
    assert set(ids) == set(CODEBOOK.tags) and ids["痘痘"].id == fake.tag_id("痘痘")
    second = await sync.reconcile()
    assert second.library.created_tags == [] and second.library.existing_tags == len(CODEBOOK.tags)
    assert len(fake.calls_to("externalcontact/add_corp_tag")) == calls  # nothing created twice


async def test_sync_completes_a_group_staff_started_and_leaves_their_tags_alone(fake: FakeWeCom, sync: TagSync,
                                                                                 api: WeComAPI) -> None:
    await api.add_corp_tag(["油皮", "VIP"], group_name="肤质")  # made by hand in the admin console
    report = (await sync.reconcile()).library
    assert "肤质/油皮" not in report.created_tags and "肤质/干皮" in report.created_tags
    assert report.unknown_in_groups == ["肤质/VIP"]
    skin = next(g for g in fake.corp_tags if g["group_name"] == "肤质")
    assert sorted(t["name"] for t in skin["tag"]) == sorted(["油皮", "VIP", "干皮", "混合肌", "敏感肌"])
    add_calls = fake.calls_to("externalcontact/add_corp_tag")
    assert any(c.get("group_id") == skin["group_id"] for c in add_calls)  # into the existing group


# -- writing tags ---------------------------------------------------------------------------------
async def test_mark_tag_adds_and_removes_per_relation_and_never_twice(fake: FakeWeCom, sync: TagSync,
                                                                      store: Store) -> None:
    await sync.reconcile()
    fake.add_relation("wmA", "emp1")
    await sync.relation_added("wmA", "emp1")
    await answer(store, "wmA", skin="2", concern="3")
    assert await sync.pump_once() == 1
    assert fake.tags_of("wmA", "emp1") == {"油皮", "痘痘"}
    assert len(marks(fake)) == 1
    await answer(store, "wmA", skin="1")  # a new answer replaces the old tag
    await sync.pump_once()
    assert fake.tags_of("wmA", "emp1") == {"干皮", "痘痘"}
    last = marks(fake)[-1]
    assert last["add_tag"] == [fake.tag_id("干皮")] and last["remove_tag"] == [fake.tag_id("油皮")]
    assert await sync.pump_once() == 0  # nothing changed: no call
    assert len(marks(fake)) == 2
    assert (await Profiles(store).load("wmA")).staff == {"emp1": ["干皮", "痘痘"]}


async def test_a_kf_only_customer_keeps_tags_until_a_staff_relation_appears(fake: FakeWeCom, sync: TagSync,
                                                                            store: Store) -> None:
    await sync.reconcile()
    await answer(store, "wmKf", skin="4", concern="4")
    assert await sync.pump_once() == 1  # done: nobody to write to
    assert marks(fake) == [] and await store.zdue(TAGS_DIRTY, 2e9, 10) == []
    profile = await Profiles(store).load("wmKf")
    assert profile.tags == ["敏感肌", "泛红"] and profile.staff == {}
    fake.add_relation("wmKf", "emp2")  # the customer adds a staff member
    await sync.relation_added("wmKf", "emp2")
    await sync.pump_once()
    assert fake.tags_of("wmKf", "emp2") == {"敏感肌", "泛红"}


async def test_tags_staff_set_flow_back_and_the_bot_never_fights_them(fake: FakeWeCom, sync: TagSync,
                                                                      store: Store) -> None:
    await sync.reconcile()
    fake.add_relation("wmS", "emp1")
    await sync.relation_added("wmS", "emp1")
    await answer(store, "wmS", skin="2")
    await sync.pump_once()
    fake.staff_marks("wmS", "emp1", add=("干皮", "冷淡"), remove=("油皮",))  # a person knows better
    await sync.staff_edited("wmS")
    profile = await Profiles(store).load("wmS")
    assert set(profile.tags) == {"干皮", "冷淡"} and profile.codes["skin"] == "1"
    assert profile.sources["skin"] == "staff" and profile.human == {"干皮": "+", "冷淡": "+", "油皮": "-"}
    calls = len(marks(fake))
    await sync.pump_once()
    assert len(marks(fake)) == calls  # nothing to write back: the profile follows the human
    async with Profiles(store).edit("wmS") as bot_turn:  # the survey later hears 油皮 again
        notes = bot_turn.set_answer(CODEBOOK, "skin", "2", "survey")
        refused = bot_turn.add_tags(["油皮"])
        kept = bot_turn.remove_tags(["冷淡"])
    assert notes and refused == ["油皮"] and kept == ["冷淡"]
    await sync.pump_once()
    assert fake.tags_of("wmS", "emp1") == {"干皮", "冷淡"}


async def test_a_second_relation_gets_the_profile_and_staff_removal_applies_everywhere(
        fake: FakeWeCom, sync: TagSync, store: Store) -> None:
    await sync.reconcile()
    fake.add_relation("wmM", "emp1")
    await sync.relation_added("wmM", "emp1")
    await answer(store, "wmM", concern="3")
    await sync.pump_once()
    fake.add_relation("wmM", "emp2")
    await sync.relation_added("wmM", "emp2")
    await sync.pump_once()
    assert fake.tags_of("wmM", "emp2") == {"痘痘"}
    fake.staff_marks("wmM", "emp2", remove=("痘痘",))
    await sync.staff_edited("wmM")
    await sync.pump_once()
    assert fake.tags_of("wmM", "emp1") == set() and fake.tags_of("wmM", "emp2") == set()


# -- WeCom errors ---------------------------------------------------------------------------------
async def test_no_relation_84061_forgets_the_relation_and_keeps_the_tags(fake: FakeWeCom, sync: TagSync,
                                                                         store: Store) -> None:
    await sync.reconcile()
    fake.add_relation("wmG", "emp1")
    await sync.relation_added("wmG", "emp1")
    fake.drop_relation("wmG", "emp1")  # the staff member deleted the customer; the event was lost
    await answer(store, "wmG", skin="3")
    await sync.pump_once()
    profile = await Profiles(store).load("wmG")
    assert profile.staff == {} and profile.tags == ["混合肌"]
    assert [json.loads(r) for r in await store.lrange(TAGSYNC_LOG, 0, -1)] == []  # not an error: recorded as gone


async def test_a_tag_deleted_in_wecom_40068_rereads_ids_and_marks_the_rest(fake: FakeWeCom, sync: TagSync,
                                                                         store: Store) -> None:
    await sync.reconcile()
    fake.add_relation("wmT", "emp1")
    await sync.relation_added("wmT", "emp1")
    fake.delete_tag("痘痘")
    await answer(store, "wmT", skin="2", concern="3")
    await sync.pump_once()
    assert fake.tags_of("wmT", "emp1") == {"油皮"}
    assert "痘痘" not in await sync.library.ids()
    logged = [json.loads(r)["what"] for r in await store.lrange(TAGSYNC_LOG, 0, -1)]
    assert any("痘痘" in line and "sync-tags" in line for line in logged)
    await sync.reconcile()  # the operator runs siyu sync-tags: the tag is back and written
    assert fake.tags_of("wmT", "emp1") == {"油皮", "痘痘"}


async def test_a_tag_library_change_wecom_refuses_to_show_is_noted_and_the_ids_stay(
        fake: FakeWeCom, sync: TagSync, store: Store, clock: Clock) -> None:
    await sync.reconcile()
    before = await sync.library.ids()
    fake.fail("externalcontact/get_corp_tag_list", 48002)  # no permission, for good: retrying cannot help
    await sync.library_changed()
    assert await sync.refresh_library_if_stale()
    assert await sync.library.ids() == before
    logged = [json.loads(r) for r in await store.lrange(TAGSYNC_LOG, 0, -1)]
    assert logged[0]["what"].endswith("errcode 48002") and "customer" not in logged[0]
    assert await store.get(LIBRARY_STALE) is None  # noted once, not asked again and again

    fake.outage("externalcontact/get_corp_tag_list", 45033)  # busy past the client's retries
    await sync.library_changed()
    assert not await sync.refresh_library_if_stale()
    assert await store.get(LIBRARY_STALE) is not None  # kept: the change is not forgotten
    calls = len(fake.calls_to("externalcontact/get_corp_tag_list"))
    clock.now += RETRY_LIBRARY_S - 1
    assert not await sync.refresh_library_if_stale()  # and WeCom is not asked again at once
    assert len(fake.calls_to("externalcontact/get_corp_tag_list")) == calls
    fake.recover()
    fake.delete_tag("痘痘")
    clock.now += 2
    assert await sync.refresh_library_if_stale()
    assert "痘痘" not in await sync.library.ids() and await store.get(LIBRARY_STALE) is None


async def test_fifty_tag_library_changes_read_the_library_once(fake: FakeWeCom, sync: TagSync, store: Store) -> None:
    await sync.reconcile()
    calls = len(fake.calls_to("externalcontact/get_corp_tag_list"))
    fake.delete_tag("痘痘")
    for _ in range(50):  # an admin edits the tag library: one event per tag
        await sync.library_changed()
    assert len(fake.calls_to("externalcontact/get_corp_tag_list")) == calls  # the events only mark it
    await sync.pump_once()
    await sync.pump_once()
    assert len(fake.calls_to("externalcontact/get_corp_tag_list")) == calls + 1
    assert "痘痘" not in await sync.library.ids()


async def test_a_tag_library_change_during_the_read_is_read_again(fake: FakeWeCom, sync: TagSync,
                                                                  store: Store) -> None:
    await sync.reconcile()
    await sync.library_changed()
    fake.slow("externalcontact/get_corp_tag_list", 0.3)
    reading = asyncio.create_task(sync.refresh_library_if_stale())
    await asyncio.sleep(0.1)
    fake.delete_tag("痘痘")  # changed while the first read is on its way
    await sync.library_changed()
    assert await reading
    assert await store.get(LIBRARY_STALE) is not None  # the second change is still to be read
    assert await sync.refresh_library_if_stale()
    assert "痘痘" not in await sync.library.ids()


async def test_busy_errors_are_retried_later_and_nothing_is_lost_or_marked_twice(
        fake: FakeWeCom, sync: TagSync, store: Store, clock: Clock) -> None:
    await sync.reconcile()
    fake.add_relation("wmB", "emp1")
    await sync.relation_added("wmB", "emp1")
    await answer(store, "wmB", goal="D")
    fake.fail("externalcontact/mark_tag", 45033, times=4)  # the client's own retries are used up
    assert await sync.pump_once() == 0
    assert fake.tags_of("wmB", "emp1") == set()
    due = await store.zdue(TAGS_DIRTY, 2e9, 10)
    assert due and due[0][1] > clock.now  # put back, with a delay
    assert await sync.pump_once() == 0  # not due yet
    clock.now += 60
    fake.fail("externalcontact/mark_tag", -1, times=1)  # busy once: the client retries at once
    fake.expire_tokens()  # and the token expired meanwhile
    assert await sync.pump_once() == 1
    assert fake.tags_of("wmB", "emp1") == {"想解决"}
    assert len(marks(fake)) == 4 + 1 + 1 + 1  # four 45033, one -1, one expired token, one that went through
    assert len(fake.marked) == 1  # marked exactly once
    assert "45033" in json.loads((await store.lrange(TAGSYNC_LOG, 0, 0))[0])["what"]


async def test_two_pumps_at_once_mark_each_change_once(fake: FakeWeCom, store: Store, api: WeComAPI,
                                                       clock: Clock) -> None:
    first, second = TagSync(store, api, lambda: CODEBOOK, clock=clock), TagSync(store, api, lambda: CODEBOOK,
                                                                                 clock=clock)
    await first.reconcile()
    for n in range(6):
        fake.add_relation(f"wm{n}", "emp1")
        await first.relation_added(f"wm{n}", "emp1")
        await answer(store, f"wm{n}", concern=str(n + 1))
    await asyncio.gather(first.pump_once(), second.pump_once())
    await asyncio.gather(first.pump_once(), second.pump_once())
    assert len(fake.marked) == 6
    assert all(len(fake.tags_of(f"wm{n}", "emp1")) == 1 for n in range(6))


async def test_a_reconcile_adopts_what_staff_did_and_writes_what_wecom_lacks(fake: FakeWeCom, sync: TagSync,
                                                                           store: Store) -> None:
    await sync.reconcile()
    fake.add_relation("wmR", "emp1")
    await sync.relation_added("wmR", "emp1")
    await answer(store, "wmR", skin="2")
    await sync.pump_once()
    fake.staff_marks("wmR", "emp1", add=("毛孔",))  # edit_external_contact never arrived
    report = await sync.reconcile()
    assert report.customers == 1 and report.adopted == ["wmR emp1 +毛孔"]
    profile = await Profiles(store).load("wmR")
    assert profile.codes["concern"] == "6" and "毛孔" in profile.tags


# -- siyu sync-tags -------------------------------------------------------------------------------
async def test_siyu_sync_tags_reports_what_it_created_and_is_safe_to_run_twice(fake: FakeWeCom,
                                                                              redis_store: Store) -> None:
    env = {**os.environ, "REDIS_URL": TEST_REDIS_URL, "WECOM_CORP_ID": fake.corp_id, "WECOM_SECRET": fake.secret,
           "WECOM_API_BASE": fake.base_url}

    async def run() -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "sync-tags", env=env,
                                                       stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        return process.returncode or 0, out.decode(), err.decode()

    code, out, _ = await run()
    assert code == 0 and "新建标签组: 肤质、护肤困扰、需求程度、互动、购买" in out and "护肤困扰/痘痘" in out
    code, out, _ = await run()
    assert code == 0 and "新建标签: 无（都已存在）" in out
    assert len(await redis_store.hgetall(TAG_IDS)) == len(CODEBOOK.tags)
    fake.fail("externalcontact/get_corp_tag_list", 48002)  # no permission for customer contact
    code, _, err = await run()
    assert code == 1 and "errcode 48002" in err
    missing = {k: v for k, v in env.items() if k != "WECOM_SECRET"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "sync-tags", env=missing,
                                                   stderr=asyncio.subprocess.PIPE)
    _, err_bytes = await process.communicate()
    assert process.returncode == 2 and "siyu sync-tags: WECOM_SECRET 没有设置" in err_bytes.decode()
