"""A service loop stops when cancelled, even when a library call swallowed the cancellation."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.loops import pause


async def test_a_loop_whose_cancellation_was_swallowed_stops_at_its_next_pause() -> None:
    async def library_call() -> None:
        with contextlib.suppress(asyncio.CancelledError):  # what a library did with our cancellation
            await asyncio.sleep(10)

    async def service_loop() -> None:
        while True:
            await library_call()
            await pause(0.01)

    task = asyncio.create_task(service_loop())
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 2)  # with asyncio.sleep instead of pause it runs on: TimeoutError
