"""The pause of a service loop (notices, tag pump, follow-ups, janitor, timers, epoch watch).

A loop told to stop is cancelled; if the cancellation reached it inside a library call that swallowed it
(seen with redis-py: the call returned and the task stayed "cancelling"), the loop would go on for ever
and its owner, awaiting it, would hang. The pause checks whether a cancellation is pending first.
"""

from __future__ import annotations

import asyncio


async def pause(seconds: float) -> None:
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
    await asyncio.sleep(seconds)
