"""One observed group message → judged → the group type's profile → the strike ladder → actions.

WeCom lets a program neither remove a member nor recall a message nor mute anyone in a customer group,
so the actions are what the API allows: tell the owner privately (and ask them to remove the member),
alert, tag the customer (mark_tag), and blacklist them for the kf bot. Every decision and action goes
to the audit stream. A redelivered message is decided once: its strike id (source + msgid) keeps the
same step, every action is idempotent, and a finished decision is marked done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.enforcement import blacklist
from bot.enforcement.audit import Audit, excerpt
from bot.enforcement.digest import ABOUT, Notice
from bot.enforcement.ladder import Step, Strikes
from bot.enforcement.names import member_label
from bot.enforcement.notices import Notifier
from bot.enforcement.tagging import Tagger
from bot.group_messages.observed import Observed
from bot.groups.answers import not_about_the_group
from bot.groups.content import GroupContent
from bot.groups.reconcile import Reconciler
from bot.groups.registry import EMPLOYEE, Group, Registry, member_type_of
from bot.groups.spec import GroupType
from bot.groups.stats import GroupStats
from bot.protocol.api import WeComError, is_transient
from bot.retention.tags import customer_tag
from bot.store.base import Store

log = logging.getLogger(__name__)

SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3}
BROADCAST_TYPES = frozenset({"link", "miniprogram", "image", "video", "file"})
BROADCAST_MIN_TEXT = 50  # a long text from staff reads as a 群发, for leave attribution
DONE_TTL_MS = 40 * 24 * 3600 * 1000
NOT_CUSTOMER_TTL_MS = 24 * 3600 * 1000
EPISODE = "siyu:mod:episode:"  # + rule:sender[:chat]: the first message of a flood (or repeated ad) episode
STAFF, ALLOWLISTED, CUSTOMER = "staff", "allowlisted", "customer"


@dataclass(frozen=True)
class Finding:
    """What the detector (or a keyword rule) concluded, in the ladder's terms."""

    violation: bool
    rule: str = ""
    category: str = ""
    action: str = "warn"  # record | warn | remove | alert
    severity: str = "low"  # low | medium | high
    explanation: str = ""
    exempt: str = ""
    label: str = ""  # the category as owners read it (categories.<id>.label)
    reason: str = ""  # what the owner is told the customer did (the rule's or its category's `reason`)
    episode_seconds: float = 0.0  # flood, the same ad across groups: one episode lasts this long and is one strike


Judge = Callable[[Observed, str], Awaitable[Finding]]  # (message, sender role) → finding
ContentSource = Callable[[], GroupContent | None]


class Moderation:
    def __init__(self, store: Store, registry: Registry, reconciler: Reconciler, stats: GroupStats,
                 content: ContentSource, judge: Judge, strikes: Strikes, notifier: Notifier, tagger: Tagger,
                 audit: Audit, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.registry = registry
        self.reconciler = reconciler
        self.stats = stats
        self.content = content
        self.judge = judge
        self.strikes = strikes
        self.notifier = notifier
        self.tagger = tagger
        self.audit = audit
        self.clock = clock

    async def handle(self, observed: Observed) -> str:
        """Moderate one message; returns the outcome (for metrics, logs and tests)."""
        content = self.content()
        if content is None:
            return "unmoderated"  # no groups/ content: groups are registered, not moderated
        group = await self._group(observed.chat_id)
        if group is None:
            return "not_a_customer_group"
        type_id = group.type or content.type_of(group.chat_id, group.name, group.owner)
        spec = content.group_type(type_id)
        role = await self._role(observed, group, spec)
        await self.audit.count(judged=1, **{f"source:{observed.source}": 1})
        if role == STAFF:
            if observed.msgtype in BROADCAST_TYPES or len(observed.text) >= BROADCAST_MIN_TEXT:
                await self.stats.incident(group.chat_id, "broadcast", observed.sent_at or self.clock(), observed.msgid)
            return "staff"
        finding = self._keyword_finding(observed, content) if observed.source == "keyword" else (
            await self.judge(observed, role))
        if finding.exempt or role == ALLOWLISTED:
            await self.audit.count(exempt=1)
            return "exempt"
        if not finding.violation:
            await self.audit.count(clean=1)
            return "clean"
        done_key = f"siyu:mod:done:{observed.source}:{observed.msgid}:{observed.keyword_rule}"
        if await self.store.get(done_key):
            return "duplicate"
        at = observed.sent_at or self.clock()
        if finding.category == "flood":
            await self.stats.incident(group.chat_id, "flood", at, observed.msgid)
        outcome = self._held_back(content, type_id, finding)
        record = {"source": observed.source, "msgid": observed.msgid, "chat_id": group.chat_id,
                  "group": group.name, "type": type_id, "customer": observed.sender, "rule": finding.rule,
                  "category": finding.category, "severity": finding.severity, "suggested": finding.action,
                  "what": excerpt(observed.text), "explanation": finding.explanation[:300]}
        if outcome:
            await self.audit.record("decision", outcome=outcome, **record)
            await self.audit.count(violations=1, **{f"category:{finding.category}": 1, f"held:{outcome}": 1})
            await self.store.set(done_key, outcome, ttl_ms=DONE_TTL_MS)
            return outcome
        if finding.episode_seconds and not await self._new_episode(observed, group, finding):
            await self.audit.record("decision", outcome="same_episode", **record)
            await self.audit.count(violations=1, **{f"category:{finding.category}": 1, "held:same_episode": 1})
            await self.store.set(done_key, "same_episode", ttl_ms=DONE_TTL_MS)
            return "same_episode"
        severe = finding.category in content.profile(type_id).severe or finding.action == "alert"
        step = await self.strikes.strike(observed.sender, f"{observed.source}:{observed.msgid}", at,
                                         content.ladder.ladder, severe=severe, suggested=finding.action)
        await self.stats.incident(group.chat_id, "moderation", at, observed.msgid)
        results = await self._act(observed, group, spec, finding, step, content)
        await self.audit.record("decision", outcome="acted", strike=step.strike, severe=step.severe,
                                actions=list(step.actions), results=results, **record)
        await self.audit.count(violations=1, **{f"category:{finding.category}": 1, f"type:{type_id}": 1,
                                                f"strike:{min(step.strike, 9)}": 1},
                               **{f"action:{a}": 1 for a in step.actions})
        await self.store.set(done_key, "acted", ttl_ms=DONE_TTL_MS)
        return "acted"

    async def _new_episode(self, observed: Observed, group: Group, finding: Finding) -> bool:
        """Messages 8, 9 and 10 of one flood are one flood: the first of an episode strikes, the rest of it
        are recorded without a strike or a notice (10 quick 我要买 / 多少钱呀 got strikes 1-3 within 3 s and a
        blacklisting; QA round 13). A flood is per group; the same ad across groups is the sender's."""
        where = f":{group.chat_id}" if finding.category == "flood" else ""
        key = f"{EPISODE}{finding.rule}:{observed.sender}{where}"
        at, ttl_ms = observed.sent_at or self.clock(), int(finding.episode_seconds * 1000)
        if await self.store.set(key, str(at), ttl_ms=ttl_ms, nx=True):
            return True
        began = await self.store.get(key)  # by the messages' own times: a backlog replayed late is judged alike
        if began is not None and 0 <= at - float(began) < finding.episode_seconds:
            return False
        await self.store.set(key, str(at), ttl_ms=ttl_ms)
        return True

    # -- who and where ---------------------------------------------------------------------------------
    async def _group(self, chat_id: str) -> Group | None:
        group = await self.registry.get(chat_id)
        if group is not None:
            return group
        if await self.store.get(f"siyu:grp:{chat_id}:notcustomer"):
            return None
        try:  # a group the registry has not met yet (its create event was lost): fetch it
            await self.reconciler.reconcile(chat_id)
        except WeComError as error:
            if not_about_the_group(error):  # also an answer that could not be used, or 60011 (visible range)
                # WeCom busy or unreachable: the worker waits and tries the message again; the app misconfigured
                # (no permission, an untrusted IP, a wrong secret): it says nothing about the group, so the
                # message is dead-lettered with its ERROR line, for a replay once the app is fixed
                raise
            await self.store.set(f"siyu:grp:{chat_id}:notcustomer", str(error.errcode), ttl_ms=NOT_CUSTOMER_TTL_MS)
            await self.audit.record("unknown_group", chat_id=chat_id, errcode=error.errcode)
            return None
        return await self.registry.get(chat_id)

    async def _role(self, observed: Observed, group: Group, spec: GroupType) -> str:
        sender = observed.sender
        if observed.sender_is_staff or sender in spec.staff or sender == group.owner or sender in group.admins:
            return STAFF
        member = await self.registry.member(group.chat_id, sender)
        if (member.type if member else member_type_of(sender)) == EMPLOYEE:
            return STAFF
        return ALLOWLISTED if sender in spec.allow else CUSTOMER

    # -- the decision ----------------------------------------------------------------------------------
    @staticmethod
    def _keyword_finding(observed: Observed, content: GroupContent) -> Finding:
        """A 数据与智能专区 hit: its meaning (and what the owner reads) is the content's, never the rule id."""
        texts = content.ladder.notices.texts
        rule = content.ladder.keyword_rules.get(observed.keyword_rule)
        if rule is None:
            return Finding(True, f"keyword:{observed.keyword_rule}", "keyword", "warn", "medium",
                           "命中了数据与智能专区的关键词规则（ladder.yaml 的 keyword_rules 里没有写这条规则）",
                           reason=texts.keyword_reason)
        category = content.categories.get(rule.category)
        return Finding(True, f"keyword:{rule.name}", rule.category, rule.action, rule.severity,
                       f"命中了数据与智能专区的关键词规则“{rule.name}”",
                       label=category.label if category else "",
                       reason=rule.reason or (category.reason if category else "") or texts.keyword_reason)

    @staticmethod
    def _held_back(content: GroupContent, type_id: str, finding: Finding) -> str:
        profile = content.profile(type_id)
        if not profile.enabled:
            return "profile_off"
        if finding.category in profile.ignore or finding.rule in profile.ignore:
            return "ignored_by_profile"
        if SEVERITY_RANK.get(finding.severity, 1) < SEVERITY_RANK[profile.min_severity]:
            return "below_min_severity"
        if finding.action == "record":
            return "recorded"
        return ""

    # -- the actions -----------------------------------------------------------------------------------
    async def _act(self, observed: Observed, group: Group, spec: GroupType, finding: Finding, step: Step,
                   content: GroupContent) -> dict[str, str]:
        ladder = content.ladder
        member = await self.registry.member(group.chat_id, observed.sender)
        who = member_label(member.name if member else "", observed.sender)
        what = excerpt(observed.text) if observed.text else f"[{observed.msgtype}]"
        if observed.source == "keyword":
            what = ladder.notices.texts.keyword_what  # the zone says which rule a message hit, never its text
        results: dict[str, str] = {}
        recipients = ([group.owner] if "owner" in spec.notify and group.owner else []) + (
            spec.staff if "staff" in spec.notify else [])
        strike_id = f"{observed.source}:{observed.msgid}"
        # the blacklist and the tag first: the alert says they are done
        if "tag" in step.actions:
            try:
                results["tag"] = await self.tagger.tag(observed.sender, group.owner, ladder.tag)
            except WeComError as error:
                if is_transient(error):
                    raise  # waited out by the worker; the strike and the tag are idempotent
                results["tag"] = f"failed:{error.errcode}"
                log.warning("tagging a violating customer failed: %s", error)
        if "blacklist" in step.actions:
            fresh = await blacklist.add(self.store, observed.sender, {
                "at": round(observed.sent_at or self.clock(), 3), "reason": f"{finding.category} in {group.name}",
                "chat_id": group.chat_id, "rule": finding.rule, "category": finding.category}, self.clock())
            results["blacklist"] = "added" if fresh else "already"
        # what the owner is told is what happened: no 已给他打上“违规”标签 when WeCom would not tag (no relation)
        done = [a for a in step.actions if a != "tag" or results.get("tag", "").startswith(("tagged", "already"))]
        untagged = "tag" in step.actions and "untagged" in ladder.suggestions and "tag" not in done
        suggestion = " ".join([*(ladder.suggestions[a] for a in done if a in ladder.suggestions),
                               *([ladder.suggestions["untagged"]] if untagged else [])])
        # what the owner reads: no rule id, no score (those are in the audit record for operators)
        fields = {"customer": who, "group": group.name or group.chat_id, "group_type": spec.name, "what": what,
                  "reason": finding.reason or ladder.notices.texts.keyword_reason, "category": finding.label,
                  "strike": str(step.strike), "window_days": str(ladder.ladder.window_days),
                  "suggestion": suggestion, ABOUT: customer_tag(observed.sender)}
        kind = "alert" if "alert" in step.actions else "removal" if "ask_removal" in step.actions else (
            "notice" if "notify_owner" in step.actions else "")
        if kind:
            targets = list(dict.fromkeys(recipients + (ladder.notices.alert_to if kind == "alert" else [])))
            for userid in targets:
                await self.notifier.add(userid, Notice(f"{strike_id}:{kind}", kind, fields), urgent=kind == "alert")
            results[kind] = ",".join(targets) or "nobody to tell"
            if kind == "alert":
                for userid in targets:
                    await self.notifier.flush_recipient(userid)
        return results
