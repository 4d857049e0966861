"""What every source of customer-group messages hands on: one `Observed` per message, and the sink.

Sources behind one interface (`MessageSource.pull`):
- msgaudit (会话内容存档): the message itself, decrypted, text included (msgaudit.py);
- 数据与智能专区 keyword hits: which message hit which operator rule, no text (hit_keyword.py);
`siyu moderate` judges lines directly with the detector and needs no source.
The sink queues each observed message once (dedup by msgid) in its group's partition, so a message
pulled twice — after a crash, from two processes — is moderated once.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Protocol

from bot.gateway.queue import Queue

GROUP_MESSAGE = "group_message"  # the queued event kind


@dataclass(frozen=True, slots=True)
class Observed:
    source: str  # msgaudit | keyword
    msgid: str
    chat_id: str
    sender: str  # external_userid (wm…/wo…) or an employee's userid
    sent_at: float
    msgtype: str = "text"  # the detector's names: text, image, link, card, miniprogram, redpacket, …
    text: str = ""
    url: str = ""
    appid: str = ""
    keyword_rule: str = ""  # keyword hits: WeCom's rule id
    sender_is_staff: bool = False  # when the source says so (hit lists give the sender type)

    def fields(self) -> dict[str, str]:
        return {"observed": json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))}

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> Observed:
        return cls(**json.loads(fields["observed"]))


class MessageSource(Protocol):
    name: str

    async def pull(self, hint: str = "") -> int:
        """Fetch what is new (hint: the callback's token, if any); returns how many were handed on."""
        ...


class QueueSink:
    """Hands observed messages to the durable queue, once per message."""

    def __init__(self, queue: Queue) -> None:
        self.queue = queue

    async def __call__(self, observed: Observed) -> bool:
        dedup = f"gmsg:{observed.source}:{observed.msgid}:{observed.keyword_rule}"
        entry = await self.queue.put(dedup, GROUP_MESSAGE, f"room:{observed.chat_id}", observed.fields())
        return entry is not None
