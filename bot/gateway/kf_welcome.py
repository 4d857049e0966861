"""The kf enter_session welcome, held back briefly so that a customer who writes at once is answered for what
she wrote (docs/operations.md, SIYU_KF_WELCOME_HOLD).

WeCom sends `enter_session` with a `welcome_code` (valid 20 s, once) the moment she opens the chat. A customer
who opened it to complain (我的快递怎么还没到) would get the cheerful welcome right before the apology. So the
welcome is decided once it is known whether she wrote first, and the engine hears her first text with the
enter_session (Inbound.data["first_text"]; engine/welcome.py records what it is about in the slot `wrote_first`
and the welcome flow decides whether to say anything):

- her text in the same sync_msg batch, after the enter_session (kf_pull.py puts it in `first_text`): decided at
  once;
- else the enter_session leaves a *pending welcome* in the store (one per conversation) and a wake-up in a sorted
  set, due `hold_s` after she opened the chat. Her first message (any kind) before then decides it, right
  before her message is answered: the welcome (or nothing) first, then the answer. When the wake-up comes first,
  it is queued as a `kf_welcome_due` event of her conversation and decides it without a text.

Nothing waits in a worker: the event is acknowledged and the partition goes on. Her message and the wake-up are
events of her conversation, so one worker at a time sees them, in queue order, in any number of processes; the
one that comes first decides, the other finds nothing pending. Deciding is idempotent per enter_session event:
the engine's turn is kept per event id, and the welcome's outbox entry keeps the code from being used twice; the
pending welcome is deleted only after the welcome went (or was decided against), so a crash in between decides
it again with the same outcome.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bot.conversation import FIRST_TEXT, Conversation, Inbound, InboundKind
from bot.events import WELCOMED
from bot.gateway import eventlog
from bot.gateway.kf import WELCOME_CODE_TTL_S, KfChannel
from bot.gateway.queue import Event
from bot.gateway.times import unix_time
from bot.metrics import Metrics
from bot.store.base import Store
from bot.store.unreadable import keep
from bot.timers import Timers

log = logging.getLogger(__name__)

WELCOME_DUE = "kf_welcome_due"  # the queued event kind of a hold that ended without her writing
HOLDS_KEY = "siyu:kf:welcome_holds"  # wake-ups, pumped by a TimerPump of their own (bot/app.py)
PENDING_TTL_MS = 3 * WELCOME_CODE_TTL_S * 1000  # a pending welcome outlives its code; then it is useless
MAX_HOLD_S = 10.0  # half the code's life: the rest is for the pull, the queue and the send

Tell = Callable[..., Awaitable[None]]


def pending_key(conversation: str) -> str:
    return f"siyu:kf:welcome:{conversation}"


class KfWelcome:
    def __init__(self, store: Store, kf: KfChannel, conversation: Conversation, metrics: Metrics, tell: Tell, *,
                 hold_s: float = 0.0, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.kf = kf
        self.conversation = conversation
        self.metrics = metrics
        self.tell = tell
        self.hold_s = hold_s
        self.clock = clock
        self.holds = Timers(store, HOLDS_KEY)

    async def entered(self, event: Event) -> None:
        """She opened the chat: welcome her now (hold 0, or her first text came in the same batch), or hold."""
        data = event.data
        if not data.get("welcome_code"):
            return  # WeCom sends a code only when a welcome is allowed
        if self.expired(data, event.received):
            return
        if self.hold_s <= 0 or FIRST_TEXT in data:
            if self.hold_s > 0:  # she opened the chat twice in one batch: the earlier, held welcome is superseded
                await self.store.delete(pending_key(event.conversation))
            await self._welcome(event.key, event.conversation, data, event.received, data.get(FIRST_TEXT))
            return
        opened = unix_time(data.get("send_time"), event.received)
        pending = {"event": event.key, "received": event.received, "data": data}
        await self.store.set(pending_key(event.conversation), json.dumps(pending, ensure_ascii=False),
                             ttl_ms=PENDING_TTL_MS)
        # a wake-up already due (the event waited in the queue) still goes behind what is queued for her now
        await self.holds.schedule(max(opened + self.hold_s, self.clock()),
                                  {"token": f"welcome:{event.key}", "conv": event.conversation, "event": event.key})
        log.debug("kf welcome held for %.1f s", self.hold_s)

    async def wrote(self, event: Event) -> None:
        """Her message, before it is answered: a welcome held for her is decided with what she wrote first."""
        pending = await self._pending(event.conversation)
        if pending is None:
            return
        first = event.data.get("content", "") if event.data.get("msgtype") == "text" else ""
        await self._decide(event.conversation, pending, first)

    async def due(self, event: Event) -> None:
        """The hold ended and she has not written: the welcome is decided without a text."""
        pending = await self._pending(event.conversation)
        if pending is None:
            return  # her message decided it
        if pending.get("event") != event.data.get("event"):
            return  # she opened the chat again since: that enter_session's own wake-up decides it
        await self._decide(event.conversation, pending, None)

    async def _pending(self, conversation: str) -> dict[str, Any] | None:
        """The held welcome; one that cannot be read (another version's) failed her first message four times and
        dead-lettered it: it is kept for the operator and dropped (its 20 s code is of no use by a replay)."""
        raw = await self.store.get(pending_key(conversation))
        if raw is None:
            return None
        try:
            pending = json.loads(raw)
            if isinstance(pending, dict) and isinstance(pending.get("data", {}), dict):
                float(pending.get("received") or 0)
                return pending
        except (ValueError, TypeError):
            pass
        await keep(self.store, pending_key(conversation), "a held welcome that cannot be read", raw,
                   "dropped: the welcome is not said, her message is answered")
        await self.store.delete(pending_key(conversation))
        return None

    async def _decide(self, conversation: str, pending: dict[str, Any], first: str | None) -> None:
        data = {str(k): str(v) for k, v in pending.get("data", {}).items()}
        received = float(pending.get("received") or 0)
        if not self.expired(data, received):
            await self._welcome(str(pending.get("event", "")), conversation, data, received, first)
        await self.store.delete(pending_key(conversation))

    def expired(self, data: dict[str, str], received: float) -> bool:
        """The 20 s code is used up (counted from when she opened the chat): the welcome is skipped."""
        if self.clock() - unix_time(data.get("send_time", ""), received) <= WELCOME_CODE_TTL_S:
            return False
        self.metrics.outbound.labels("kf_welcome", "code_expired").inc()
        log.warning("kf enter_session welcome skipped: the 20 s welcome code has expired")
        return True

    async def _welcome(self, event_key: str, conversation: str, data: dict[str, str], received: float,
                       first: str | None) -> None:
        customer, scene = data.get("external_userid", ""), data.get("scene_param", "") or data.get("scene", "")
        seen = {"open_kfid": data.get("open_kfid", ""), "scene": data.get("scene", "")}
        if first is not None:
            seen[FIRST_TEXT] = first
        inbound = Inbound(event_id=event_key, kind=InboundKind.ENTER_SESSION, customer=customer, channel=scene,
                          at=self.clock(), data=seen)
        turn = await self.conversation.respond(conversation, inbound)
        opened = unix_time(data.get("send_time"), received)
        sent = await self.kf.welcome_on_enter(event_key, data.get("welcome_code", ""), turn, opened)
        eventlog.reply("kf_welcome", conversation, turn, int(sent))
        if first is not None and not turn.messages:
            self.metrics.outbound.labels("kf_welcome", "not_said").inc()
            log.info("kf welcome not said: she wrote first, and the welcome flow chose silence")
        if sent:
            await self.tell(WELCOMED, customer, self.clock(), conversation, channel=scene)
