"""The detector (bot/moderation) as the pipeline's judge: an observed message in, a Finding out.

The stateful rules (flood, the same ad across groups) count every judged message in the store through
the detector's Moderator; a content reload swaps the detector in without losing those counters.
Without knowledge/moderation.yaml nothing is judged: every message is recorded as exempt.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.enforcement.pipeline import Finding
from bot.group_messages.observed import Observed
from bot.moderation.detector import Detector
from bot.moderation.message import Message, Role
from bot.moderation.moderator import Moderator
from bot.store.base import Store

NO_RULES = "没有 knowledge/moderation.yaml：不审核"


class DetectorJudge:
    def __init__(self, detector: Callable[[], Detector | None], store: Store,
                 clock: Callable[[], float] = time.time) -> None:
        self.detector = detector
        self.store = store
        self.clock = clock
        self._moderator: Moderator | None = None

    def _current(self) -> Moderator | None:
        detector = self.detector()
        if detector is None:
            return None
        if self._moderator is None:
            self._moderator = Moderator(detector, self.store, self.clock)
        elif self._moderator.detector is not detector:
            self._moderator.swap(detector)
        return self._moderator

    async def __call__(self, observed: Observed, role: str) -> Finding:
        moderator = self._current()
        if moderator is None:
            return Finding(False, exempt=NO_RULES)
        message = Message(text=observed.text, msgtype=observed.msgtype, sender=observed.sender, role=Role(role),
                          chat_id=observed.chat_id, time=observed.sent_at or None, msgid=observed.msgid,
                          url=observed.url, appid=observed.appid)
        verdict = await moderator.judge(message)
        category = verdict.category or ""
        rules = moderator.detector.spec
        spec = rules.categories.get(category)
        episode = (rules.flood.seconds if verdict.rule == "flood" and rules.flood is not None
                   else rules.repeat.minutes * 60 if verdict.rule == "repeat" and rules.repeat is not None else 0.0)
        return Finding(
            violation=verdict.violation,
            rule=verdict.rule or "",
            category=category,
            action=verdict.action.value if verdict.action else "warn",
            severity=verdict.severity.value if verdict.severity else "low",
            explanation=verdict.explain(),
            exempt=verdict.exempt,
            label=spec.label if spec is not None else "",
            reason=rules.reason_of(verdict.rule or "", category) if verdict.violation else "",
            episode_seconds=episode,
        )
