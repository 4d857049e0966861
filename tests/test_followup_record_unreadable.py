"""A follow-up plan state in Redis that is not one must not fail the customer for good (attack15b).

The listener reads the customer's plan states after every turn (the engine's event bus) and the runner on every
follow-up of hers: a state of seven parts that are no numbers (a hand edit, another version) raised ValueError in
both — an ERROR with a traceback at each of her turns, and each of her follow-ups failed four times and
dead-lettered, for as long as the record lived. It now reads as an over plan (nothing more of it is sent: started
again, it could repeat a step she had) with a WARNING.
"""

from __future__ import annotations

import logging

import pytest

from bot.followups.record import record_key
from bot.store.base import Store
from tests.fake_wecom import FakeWeCom
from tests.followups_kit import rig


async def test_an_unreadable_plan_state_is_over_and_her_turns_go_on(store: Store, fake: FakeWeCom,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    async with rig(store, fake) as the_rig:
        await store.hset(record_key("wmF"), {"p:seeds": "ask|soon|once|x|y|z|w"})
        with caplog.at_level(logging.WARNING, logger="bot.store.unreadable"):
            await the_rig.wrote_in_kf("wmF")
            await the_rig.followups.run("wmF")
        state = await the_rig.plan("wmF")
        assert state.over
        warnings = [r.getMessage() for r in caplog.records if "siyu:fu:<tag " in r.getMessage()]
        assert warnings and "wmF" not in warnings[0]
