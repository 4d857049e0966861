"""The funnel's stages, the follow-up outcomes and the store layout the recorder and the report share.

Counts live in one hash per local day, `siyu:funnel:d:<YYYY-MM-DD>`, field `<channel>\\t<kind>\\t…`:
    stage     <stage>                    customers reaching the stage for the first time
    sent      <step>                     bot messages said at a step (flow state, follow-up, FAQ…)
    churn     <deleted|opted_out> <step> churn attributed to the last bot message's step within 48 h ("-": none)
    fu        <plan.step> <outcome>      follow-up outcomes
    furoute   <outcome> <route>          follow-ups sent / confirmed by route
    fureason  <outcome> <reason>         why follow-ups were cancelled, skipped or not deliverable
    fureply   <plan.step>                the customer wrote within 48 h after a follow-up
    frt       n | sum | <le>             first-response time: count, sum of seconds, histogram buckets
    entry     wrote_first                added by her first message: she wrote with no add or enter_session
              welcomed_replied           replied after a welcome (the reply rate's numerator)
"""

from __future__ import annotations

from bot.events import (
    ADDED,
    ENTERED,
    MESSAGE,
    PURCHASED,
    RECOMMENDED,
    WELCOMED,
)

DAY_KEY = "siyu:funnel:d:"
CUSTOMER_KEY = "siyu:funnel:c:"
DAY_TTL_MS = 400 * 24 * 3600 * 1000
CUSTOMER_TTL_MS = 400 * 24 * 3600 * 1000
SEP = "\t"
NO_CHANNEL = "-"
ATTRIBUTION_S = 48 * 3600  # churn within this long after a bot message is put down to that message

STAGES = ("added", "welcomed", "replied", "ice_broken", "surveyed", "need_shown", "recommended", "accepted",
          "refused", "purchased")
STAGE_NAMES = {"added": "新客（加好友 / 进客服）", "welcomed": "发了欢迎语", "replied": "回过消息",
               "ice_broken": "破冰", "surveyed": "做完调研", "need_shown": "需求明确", "recommended": "推荐过",
               "accepted": "接受推荐", "refused": "拒绝推荐", "purchased": "购买"}
STAGE_OF_EVENT = {ADDED: "added", ENTERED: "added", WELCOMED: "welcomed", MESSAGE: "replied",
                  RECOMMENDED: "recommended", PURCHASED: "purchased", "ice_broken": "ice_broken",
                  "surveyed": "surveyed", "need_shown": "need_shown", "accepted": "accepted", "refused": "refused"}
OUTCOMES = ("due", "sent", "confirmed", "cancelled", "undeliverable", "skipped", "dropped")
CHURN_KINDS = ("deleted", "opted_out")
FRT_BUCKETS = (1, 2, 5, 10, 30, 60, 300, 900, 3600, 86400)


def field(channel: str, *parts: str) -> str:
    return SEP.join((clean(channel) or NO_CHANNEL, *(clean(p) for p in parts)))


def clean(text: str) -> str:
    return text.replace(SEP, " ").replace("\n", " ")[:80]
