"""`siyu eval --engine`: each labelled line as a new customer's first message through the whole bot.

`siyu eval` measures the matcher alone. A customer meets the whole bot: intents, safety answers, the restraint
policy, product answers and the tidying of a turn (engine/coherent.py) all act before and after the FAQ match, so
the same line can be answered better (呼吸困难 is an emergency the matcher does not see) or worse (an intent can take
a question the FAQ answers). Each line is said by a customer of its own, at 10:00 local time, as `siyu test` does,
and what was said back is sorted by the labels of its messages:

- in scope: the labelled entry's answer said (`faq:<id>`, or the persona key of an entry written as `answer_key`);
  another answer (another FAQ entry, a product's own answer, a safety or small-talk line, a handover); not
  understood (没太接住, 你是想问…吗, a numbered choice, 不确定);
- out of scope: answered with an FAQ entry (a false answer), anything else (a small-talk line, 没太接住);
- lines asking several things: every labelled entry's answer said.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.conversation import Outbound
from bot.engine.coherent import NOT_UNDERSTOOD
from bot.engine.content import Content
from bot.engine.library import Library
from bot.tools.simulator import Simulator
from bot.understanding.evaluation import LabelledSet, ceil_percent, display_width, floor_percent

START = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai, as siyu test: greetings stay the same from run to run
UNSURE = NOT_UNDERSTOOD | {"clarify"}


@dataclass
class EngineReport:
    in_scope: int = 0
    right: int = 0
    other: int = 0
    unsure: int = 0
    out_of_scope: int = 0
    false: int = 0
    several: int = 0
    several_right: int = 0
    failures: list[str] = field(default_factory=list)

    def table(self) -> str:
        rows = [("该回答的问题", f"{self.in_scope} 句"),
                ("说了标注的那条回答", floor_percent(self.right, self.in_scope)),
                ("说了别的（别的 FAQ、商品的回答、安全提醒、闲聊、转人工）", ceil_percent(self.other, self.in_scope)),
                ("没接住（没太接住、猜你想问、请她选、不确定）", ceil_percent(self.unsure, self.in_scope)),
                ("不该回答的话", f"{self.out_of_scope} 句"),
                ("误答（用 FAQ 回答了）", ceil_percent(self.false, self.out_of_scope))]
        if self.several:
            rows.append(("一句问几件事：每件都答了", f"{self.several_right}/{self.several}"))
        width = max(display_width(label) for label, _ in rows)
        return "\n".join(f"{label}{' ' * (width - display_width(label))}  {value}" for label, value in rows)


def entries_said(content: Content, messages: list[Outbound]) -> list[str]:
    """The FAQ entries whose answers the messages say, in order."""
    by_key = {entry.answer_key: entry.id for entry in content.understanding.knowledge.faq if entry.answer_key}
    said: list[str] = []
    for message in messages:
        label = message.label
        if label.startswith("faq:"):
            said.append(label[4:])
            continue
        key = next((key for key in by_key if label == key or label.startswith(key + ".")), None)
        if key is not None:
            said.append(by_key[key])
    return said


class EngineEvaluation:
    def __init__(self, library: Library) -> None:
        self.library = library
        self.customers = 0

    async def reply(self, text: str) -> list[Outbound]:
        """What a new customer is told when her first message is `text` (the welcome is not part of it)."""
        self.customers += 1
        simulator = Simulator(self.library, customer=f"eval_{self.customers}", start=START)
        return await simulator.say(text)

    async def run(self, labelled: LabelledSet) -> EngineReport:
        content = self.library.current
        report = EngineReport()
        for query, expected in labelled.in_scope:
            messages = await self.reply(query)
            said = entries_said(content, messages)
            report.in_scope += 1
            if expected in said:
                report.right += 1
                continue
            labels = [m.label for m in messages]
            if labels and all(label.split(".")[0] in UNSURE or label in UNSURE for label in labels):
                report.unsure += 1
            else:
                report.other += 1
            report.failures.append(f"该回答 “{query}”：应该是 {expected}，说了 {' '.join(labels) or '（什么也没说）'}")
        for query in labelled.out_of_scope:
            messages = await self.reply(query)
            report.out_of_scope += 1
            said = entries_said(content, messages)
            if said:
                report.false += 1
                report.failures.append(f"误答 “{query}”：不该回答，却说了 {' '.join(said)}")
        for query, expected_all in labelled.several:
            said = entries_said(content, await self.reply(query))
            report.several += 1
            if all(entry in said for entry in expected_all):
                report.several_right += 1
            else:
                report.failures.append(f"一句几问 “{query}”：应该答 {' '.join(expected_all)}，"
                                       f"说了 {' '.join(said) or '（没有 FAQ 回答）'}")
        return report
