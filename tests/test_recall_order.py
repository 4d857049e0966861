"""A recall handled before the message it takes back (attack15c).

The message's event can reach the engine after its recall: it failed (a lock held too long, Redis away) and was
dead-lettered, and `siyu deadletters --replay` handed it over later, or it was retried after the recall went
through. The recall found nothing waiting and was forgotten; the message then came and was answered: she took it
back and got an answer to it. The recalled message id is now remembered with the session, and the message, when
it comes, is not answered. The engine with the bundled content on both stores."""

from __future__ import annotations

from bot.conversation import MSGID, RECALLED, InboundKind
from bot.engine.session import RECALLS_KEPT
from bot.store.base import Store
from bot.tools.simulator import Simulator
from tests.test_engine import LIBRARY, MORNING


async def test_a_message_whose_recall_came_first_is_not_answered(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING, burst_window=2.0)
    assert await sim.send(InboundKind.RECALL, data={RECALLED: "msg-1"}) == []
    sim.now += 1
    assert await sim.send(InboundKind.TEXT, "孕妇能用吗", data={MSGID: "msg-1"}) == []
    assert await sim.wait(60) == []
    sim.now += 1
    assert await sim.send(InboundKind.TEXT, "包邮吗", data={MSGID: "msg-2"}) == []
    assert [m.label for m in await sim.wait(5)] == ["faq:shipping_fee"]  # her next message is answered


async def test_only_the_latest_recalls_are_remembered(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING, burst_window=0)
    for number in range(RECALLS_KEPT + 5):
        await sim.send(InboundKind.RECALL, data={RECALLED: f"old-{number}"})
    session = await sim.session()
    assert len(session.recalled) == RECALLS_KEPT and session.recalled[-1] == f"old-{RECALLS_KEPT + 4}"
