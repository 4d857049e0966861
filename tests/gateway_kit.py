"""Shared set-up for gateway tests: settings, the fake WeCom, a trivial conversation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.conversation import Inbound, InboundKind, Outbound, Turn
from tests.wecom import AES_KEY, CORP_ID, TOKEN

ROOT = Path(__file__).resolve().parents[1]


def settings(api_base: str, redis_url: str | None = None, **extra: object) -> Settings:
    return Settings(
        corp_id=CORP_ID,
        token=TOKEN,
        aes_key=AES_KEY,
        secret="test-secret",
        agent_id=1000002,
        api_base=api_base,
        redis_url=redis_url,
        content_dir=ROOT,
        host="127.0.0.1",
        port=0,
        **extra,  # type: ignore[arg-type]
    )


class EchoConversation:
    """The gateway's collaborator in these tests: answers every inbound with a fixed shape."""

    def __init__(self, parts: int = 1) -> None:
        self.parts = parts
        self.seen: list[tuple[str, Inbound]] = []

    async def respond(self, key: str, inbound: Inbound) -> Turn:
        self.seen.append((key, inbound))
        if inbound.kind is InboundKind.WELCOME:
            return Turn([Outbound(text=f"welcome via {inbound.channel or 'none'}")])
        if inbound.kind is InboundKind.ENTER_SESSION:
            return Turn([Outbound(text="hi from kf")])
        if inbound.text == "转人工":
            return Turn([Outbound(text="好的，马上帮你转接")], handover=True)
        return Turn([Outbound(text=f"echo {i}: {inbound.text}") for i in range(self.parts)])


async def eventually(check: Callable[[], bool], within: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met in time: {check.__doc__ or ''}")
        await asyncio.sleep(0.02)
