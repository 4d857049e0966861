"""The moderation engine's front door for message sources: exemptions, content rules and stateful rules.

    moderator = Moderator(content.moderation, store)        # content.moderation is a Detector
    verdict = await moderator.judge(Message(text=..., msgtype="text", sender=..., role=Role.CUSTOMER,
                                            chat_id=..., time=msgtime, msgid=...))

Staff and allow-listed members are not judged and not counted. Every other message is counted for flood
and cross-group repeats whatever its verdict. `swap` installs the detector of newly loaded content.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.moderation.activity import Activity
from bot.moderation.detector import Detector
from bot.moderation.message import Message, Verdict
from bot.store.base import Store


class Moderator:
    def __init__(self, detector: Detector, store: Store | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        self.detector = detector
        self._activity = self._activity_for(detector)

    def _activity_for(self, detector: Detector) -> Activity | None:
        spec = detector.spec
        if self.store is None or (spec.flood is None and spec.repeat is None):
            return None
        return Activity(self.store, spec.flood, spec.repeat)

    def swap(self, detector: Detector) -> None:
        """Use newly loaded content from the next message on (counters in the store carry over)."""
        self.detector = detector
        self._activity = self._activity_for(detector)

    async def judge(self, message: Message) -> Verdict:
        detector = self.detector
        if detector.exempt_reason(message):
            return detector.judge(message)
        evidence, folded = detector.evidence(message)
        if self._activity is not None:
            now = message.time if message.time is not None else self.clock()
            evidence.extend(await self._activity.observe(message, folded.compact, now))
        return detector.decide(evidence, folded.compact)
