"""Where the conversation happens: a new contact's welcome sends the customer on to the kf chat.

After a contact welcome the 1:1 chat belongs to the staff member (the bot cannot see it), so the welcome
never asks for a reply there. The gateway passes the kf link (`kf_url`) when it has one; the welcome flow
reads the slot `welcome_via` — `kf` (the customer opened the kf chat), `kf_again` (opened it from the card
of a contact welcome: scene `contact_welcome`), `kf_link` (a contact welcome that carries the kf link card) or
`contact` (a contact welcome without one) — and the card is attached here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.conversation import InboundKind
from bot.engine.turn_context import TurnContext

if TYPE_CHECKING:
    from bot.engine.flow_runner import FlowRunner

WELCOME_VIA = "welcome_via"
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
