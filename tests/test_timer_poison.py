"""A timer entry that is JSON but not an object must not stop every timer (attack15).

`siyu:timers` members are the timers' data as JSON. A member that is valid JSON but no object (written by
hand, by an older version, or by another tool on the same Redis) made the pump raise on it before cancelling
it; being the earliest due, it was read first on every pass, so the pump failed four times a second for good
and no burst was answered and no check-in fired again. It is now dropped like a member that is not JSON.
"""

from __future__ import annotations

import json

from bot.gateway.queue import Queue
from bot.gateway.timers import TimerPump
from bot.store.base import Store
from bot.store.unreadable import UNREADABLE_LOG
from bot.timers import Timers


async def test_a_timer_that_is_no_object_is_dropped_and_the_rest_fire(store: Store) -> None:
    queue = Queue(store)
    await queue.setup()
    timers = Timers(store)
    for poison in ('["settle"]', '"settle"', "42", "null"):
        await store.zadd("siyu:timers", poison, 1.0)
    await timers.schedule(2.0, {"conv": "kf:wk:wm", "customer": "wm", "token": "t1", "kind": "settle"})
    pump = TimerPump(timers, queue, clock=lambda: 100.0)
    assert await pump.pump_once() == 1
    assert await timers.due(100.0) == []
    kept = [json.loads(item) for item in await store.lrange(UNREADABLE_LOG, 0, -1)]  # for the operator (review15)
    assert sorted(entry["value"] for entry in kept) == sorted(['["settle"]', '"settle"', "42", "null"])
    assert all("no JSON object" in entry["why"] for entry in kept)
