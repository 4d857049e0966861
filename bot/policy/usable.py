"""How much a reply to 有什么能用的 (in a special time of hers: 孕期) may say of our products — the restraint
policy's answer for a question that is no ask for a recommendation (engine/usable.py says it):

- `full`: the products she can use, named, with an offer to pick one (persona `stage.usable`);
- `light`: a cold customer (more cold evidence than warm) gets them named once, lightly, without the offer
  (`stage.usable.light`); it is her one light mention (`profile.light_at`), as decide.py's `light`;
- `quiet`: after 别推了, on the customer-group blacklist, or a cold customer who had her light mention: no product
  to use is named, only what to leave out in that time (`stage.usable.quiet`) — a warning, not a push.
"""

from __future__ import annotations

from enum import StrEnum

from bot.policy.decide import cold, live_evidence
from bot.policy.spec import Policy
from bot.profile.model import Profile


class Say(StrEnum):
    FULL = "full"
    LIGHT = "light"
    QUIET = "quiet"


def how_much(policy: Policy, profile: Profile, now: float, restrained: str = "") -> tuple[Say, str]:
    """What may be said, and why (for /debug)."""
    if restrained:
        return Say.QUIET, f"客户群黑名单（{restrained}）：不点名推荐能用的商品"
    if profile.opted_out:
        return Say.QUIET, "说过别推了：只说这段时期要避开的，不点名推荐能用的"
    counted = [(str(e[0]), float(e[1])) for e in live_evidence(profile, now, policy.forget_after)]
    if cold(counted) and profile.light_at:
        return Say.QUIET, "冷淡，已经轻轻提过一次：只说这段时期要避开的"
    if cold(counted):
        return Say.LIGHT, "冷淡：能用的轻轻提一次，不问要不要帮她挑"
    return Say.FULL, "说她这段时期能用的几款"
