"""What `siyu chat`'s `/buy 商品` and `/welcome 渠道` accept, and the one line said when they do not.

An argument the content does not know changes nothing (no purchase recorded, the customer not reset): the line
names what exists. `/buy 不存在的东西` used to record an order of no product and start the after-purchase plan;
`/welcome nosuch` greeted a new customer with the default welcome as if nosuch were a channel.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.engine.content import Content
from bot.engine.persona import DAYPARTS

_NOT_CHANNELS = frozenset({part for _, part in DAYPARTS} | {"gift", "returning"})


def unknown_product(content: Content, said: str) -> str:
    products = content.understanding.knowledge.products
    listed = "、".join(f"{p.name}（{p.id}）" for p in products) or "（products.yaml 里一款也没有）"
    return (f"  没有这款商品 “{said}”，没有记下购买。knowledge/products.yaml 里有：{listed}。"
            "/buy 后面写其中一款的名字或 id，不写就是正在聊的那一款")


def channels(content: Content) -> list[str]:
    """The channels the content tells apart: a persona's `channels`, a flow rule's `when: {channel: …}`, and the
    `<channel>` of a persona key `key.<channel>` for a key the welcome flow says (a flow started by the
    `welcome` event) that the flow does not say by its own name (welcome.live; not welcome.kf_again, which the
    welcome flow says itself) and that is not a time of day, `gift`, `returning` nor a question kind of
    knowledge/matching.yaml (welcome.invite.how_long: engine/invited.py's `<flow>.<state>.<kind>`)."""
    others = _NOT_CHANNELS | set(content.understanding.knowledge.language.kinds)
    found: set[str] = set()
    said: set[str] = set()  # what the welcome flows say, by the names they write
    for flow in content.flows.values():
        welcome = any(start.event == "welcome" for start in flow.spec.start_on)
        for name, value in _walk(flow.spec.model_dump()):
            if name == "channel" and isinstance(value, list):
                found.update(str(v) for v in value)
            elif name in ("say", "reprompt") and welcome:
                said.update([value] if isinstance(value, str) else [str(v) for v in value or []])
    for persona in content.personas.values():
        found.update(persona.spec.channels)
        for key in persona.messages:
            base, dot, suffix = key.rpartition(".")
            if dot and base in said and key not in said and suffix not in others:
                found.add(suffix)
    return sorted(found)


def unknown_channel(content: Content, channel: str) -> str:
    """"" when /welcome may take the channel, else the line that says which exist."""
    known = channels(content)
    if channel in known:
        return ""
    listed = "、".join(known) if known else "（内容里没有按渠道区分的欢迎语）"
    return (f"  没有渠道 “{channel}”，还是原来的顾客、什么也没发。内容里有的渠道：{listed}。"
            "/welcome 后面写其中一个，不写就是默认的欢迎语")


def _walk(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key), value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)
