"""Where the conversation happens: a new contact's welcome sends the customer on to the kf chat.

After a contact welcome the 1:1 chat belongs to the staff member (the bot cannot see it), so the welcome
never asks for a reply there. The gateway passes the kf link (`kf_url`) when it has one; the welcome flow
reads the slot `welcome_via` — `kf` (the customer opened the kf chat), `kf_again` (opened it from the card
of a contact welcome: scene `contact_welcome`), `kf_link` (a contact welcome that carries the kf link card) or
`contact` (a contact welcome without one) — and the card is attached here.

A kf welcome the gateway held until she wrote (bot/gateway/kf_welcome.py) carries her first message
(Inbound.data FIRST_TEXT); the slot `wrote_first` then lists what it is about — the tags of the FAQ entries it is
answered with (售后, 物流 …) and the intents it carries (angry, complaint, greeting …) — so that the welcome flow
says no cheerful welcome to a customer who came to complain. Her message itself is answered by the next turn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.conversation import FIRST_TEXT, InboundKind
from bot.engine.followup import follow_up
from bot.engine.turn_context import TurnContext

if TYPE_CHECKING:
    from bot.engine.flow_runner import FlowRunner

WELCOME_VIA = "welcome_via"
WROTE_FIRST = "wrote_first"  # what her first message (sent before the kf welcome) is about: FAQ tags and intents
CONTACT_SCENE = "contact_welcome"  # the kf link scene used in contact welcomes (bot/gateway/kf_link.py)
CARD_TITLE, CARD_DESC = "kf_card.title", "kf_card.desc"


def start(ctx: TurnContext, flows: FlowRunner, kind: InboundKind) -> None:
    """A new contact or a kf session opened: whatever was going on ends, the welcome flow (or message) starts."""
    ctx.cancel_timer()
    ctx.session.pending.clear()
    flows.end("新的欢迎")
    prepare(ctx)
    event = "welcome" if kind is InboundKind.WELCOME else "enter_session"
    if not flows.start_by_event(event):
        ctx.say(event if ctx.persona.has(event) else "welcome")
    kf_card(ctx)


def prepare(ctx: TurnContext) -> None:
    if ctx.inbound.kind is InboundKind.WELCOME:
        ctx.session.slots[WELCOME_VIA] = "kf_link" if ctx.inbound.data.get("kf_url") else "contact"
    else:
        again = ctx.inbound.data.get("scene") == CONTACT_SCENE
        ctx.session.slots[WELCOME_VIA] = "kf_again" if again else "kf"
    first = ctx.inbound.data.get(FIRST_TEXT)
    if first is None:
        ctx.session.slots.pop(WROTE_FIRST, None)  # an earlier visit's first message says nothing about this one
        return
    about = wrote_first(ctx, first)
    ctx.session.slots[WROTE_FIRST] = about
    ctx.why.append(f"顾客打开客服就先说了话：{'、'.join(about) or '读不出在说什么'}（wrote_first）")


def wrote_first(ctx: TurnContext, text: str) -> list[str]:
    """What her first message is about: the tags of the FAQ entries that answer it (as the turn will: an entry it
    `follows`, 我的快递怎么还没到 都一个礼拜了 → late_delivery, counts) and its intents, each once, in that order."""
    if not text.strip():
        return []  # a picture, a sticker: she wrote, nothing to read
    understanding = ctx.content.understanding
    result = understanding.understand(text)
    answers = list(result.answers)
    found = follow_up(ctx.session, understanding, result)
    if found is not None and found.result is not None:
        answers += found.result.answers
    tags = [tag for entry in answers if entry in understanding.faq_by_id for tag in understanding.faq_by_id[entry].tags]
    return list(dict.fromkeys([*tags, *(name for name, _ in result.intents)]))


def kf_card(ctx: TurnContext) -> None:
    url = ctx.inbound.data.get("kf_url", "")
    if ctx.inbound.kind is not InboundKind.WELCOME or not url:
        return
    title, desc = _text(ctx, CARD_TITLE), _text(ctx, CARD_DESC)
    if not title:
        return
    ctx.attach({"msgtype": "link", "title": title, "desc": desc, "url": url}, "kf_card")
    ctx.why.append("加好友的欢迎语：带上微信客服卡片，请顾客到客服会话里聊")


def _text(ctx: TurnContext, key: str) -> str:
    spoken = ctx.persona.say(key, seed=ctx.inbound.event_id, last=None, channel=ctx.session.channel,
                             hour=ctx.hour, variables=ctx.session.slots)
    return spoken.text if spoken else ""
