"""Shared set-up for the customer-group tests: the real stack against the fake WeCom, with a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

import aiohttp

from bot.enforcement.audit import Audit
from bot.enforcement.ladder import Strikes
from bot.enforcement.notices import Notifier
from bot.enforcement.pipeline import Finding, Judge, Moderation
from bot.enforcement.tagging import Tagger
from bot.engine.content import load_content
from bot.gateway.deadletters import DeadLetters
from bot.gateway.sender import Sender
from bot.group_messages.observed import Observed
from bot.groups.content import GroupContent, load_groups
from bot.groups.events import GroupEvents
from bot.groups.ratelimit import RateLimit
from bot.groups.reconcile import Reconciler
from bot.groups.registry import Registry
from bot.groups.stats import GroupStats
from bot.groups.wecom import GroupAPI
from bot.metrics import Metrics
from bot.protocol.api import WeComAPI
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom

ROOT = Path(__file__).resolve().parents[1]
T0 = 1_700_000_000.0


class Clock:
    """Time that moves only when told to; sleeping advances it (so waits cost nothing in tests)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@lru_cache(maxsize=1)
def sample_groups() -> GroupContent:
    content = load_content(ROOT)
    categories = content.moderation.spec.categories if content.moderation else None
    loaded = load_groups(content.root, content.personas, content.rules, content.default_persona, categories)
    assert loaded is not None
    return loaded


@dataclass
class GroupStack:
    store: Store
    api: WeComAPI
    groups_api: GroupAPI
    registry: Registry
    stats: GroupStats
    reconciler: Reconciler
    events: GroupEvents
    clock: Clock


@asynccontextmanager
async def group_stack(store: Store, fake: FakeWeCom, *, per_minute: int = 1000,
                      content: GroupContent | None = None, clock: Clock | None = None) -> AsyncIterator[GroupStack]:
    clock = clock or Clock()
    the_content = content or sample_groups()
    async with aiohttp.ClientSession() as session:
        api = WeComAPI(session, store, base_url=fake.base_url, corp_id=fake.corp_id, secret=fake.secret,
                       metrics=Metrics(), backoff_s=0.001)
        groups_api = GroupAPI(api)
        registry = Registry(store)
        stats = GroupStats(store, the_content.ladder.attribution_minutes * 60)
        reconciler = Reconciler(
            groups_api, registry, stats, lambda: the_content,
            get_limit=RateLimit(store, "groupchat_get", per_minute, clock=clock, sleep=clock.sleep),
            list_limit=RateLimit(store, "groupchat_list", per_minute, clock=clock, sleep=clock.sleep),
            clock=clock,
        )
        yield GroupStack(store, api, groups_api, registry, stats, reconciler,
                         GroupEvents(registry, reconciler, stats), clock)


def member_event(chat_id: str, detail: str, members: list[str], last: str, current: str, *,
                 created: float, scene: int = 0) -> dict[str, str]:
    """The fields of a change_external_chat add_member/del_member callback, as the gateway queues them."""
    return {
        "Event": "change_external_chat", "ChangeType": "update", "UpdateDetail": detail, "ChatId": chat_id,
        "CreateTime": str(int(created)), "MemChangeCnt": str(len(members)), "MemChangeList": ",".join(members),
        "LastMemVer": last, "CurMemVer": current,
        ("JoinScene" if detail == "add_member" else "QuitScene"): str(scene),
    }


# -- moderation --------------------------------------------------------------------------------------
@dataclass
class ModerationStack:
    groups: GroupStack
    moderation: Moderation
    notifier: Notifier
    strikes: Strikes
    tagger: Tagger
    audit: Audit
    sender: Sender


class WordJudge:
    """A stand-in detector for the ladder tests (the real detector has its own tests): a few phrases."""

    RULES: ClassVar[dict[str, tuple[str, str, str, str]]] = {"加我微信": ("contact_invite", "contact", "warn", "low"), "刷单": ("ad_strong", "ad", "warn", "low"),
             "转账到": ("fraud_words", "fraud", "alert", "high"), "http": ("link", "link", "warn", "low"),
             "骂人": ("abuse", "abuse", "warn", "medium"), "只记": ("quiet", "ad", "record", "medium"),
             "刷屏": ("flood", "flood", "warn", "low")}

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, observed: Observed, role: str) -> Finding:
        self.seen.append((observed.msgid, role))
        for phrase, (rule, category, action, severity) in self.RULES.items():
            if phrase in observed.text:
                label = sample_groups().categories[category]  # what the sample content says owners read
                return Finding(True, rule, category, action, severity, f"命中“{phrase}”", label=label.label,
                               reason=label.reason)
        return Finding(False)


@asynccontextmanager
async def moderation_stack(store: Store, fake: FakeWeCom, judge: Judge | None = None, *,
                           content: GroupContent | None = None, agent_id: int | None = 1000002,
                           clock: Clock | None = None) -> AsyncIterator[ModerationStack]:
    clock = clock or Clock()
    fake.clock = clock
    the_content = content or sample_groups()
    async with group_stack(store, fake, content=the_content, clock=clock) as stack:
        audit = Audit(store, lambda: the_content.ladder.audit_retention_days, clock)
        # issue 8's patient sender, waiting on the test's clock (a busy WeCom costs no real time)
        sender = Sender(stack.api, DeadLetters(store, clock=clock), Metrics(), clock=clock, sleep=clock.sleep)
        notifier = Notifier(store, sender, agent_id, lambda: the_content.ladder.notices, audit, clock)
        strikes, tagger = Strikes(store), Tagger(stack.groups_api, store)
        moderation = Moderation(store, stack.registry, stack.reconciler, stack.stats, lambda: the_content,
                                judge or WordJudge(), strikes, notifier, tagger, audit, clock)
        yield ModerationStack(stack, moderation, notifier, strikes, tagger, audit, sender)


def said(msgid: str, chat_id: str, sender: str, text: str, at: float, **extra: object) -> Observed:
    fields: dict[str, object] = {"source": "msgaudit", **extra}
    return Observed(msgid=msgid, chat_id=chat_id, sender=sender, sent_at=at, text=text, **fields)  # type: ignore[arg-type]
