"""`siyu test`: conversation tests written by operators (flows/tests/*.yaml).

    name: 直播间新客愿意聊
    channel: live                # optional acquisition channel
    steps:
      - event: enter_session     # see the events below
        expect: [welcome.live, welcome.benefit, welcome.invite]
      - event: enter_session     # she writes at once, within the welcome's hold: the welcome decided knowing it,
        first: 收到的瓶子碎了       # then the answer to it (expect lists both turns' messages)
        expect: ["faq.damaged_item"]
      - say: 好呀
        expect: [icebreak.ask_name]
      - burst: [好呀, 叫我小雨]     # typed within the burst window: answered once, piece by piece
      - wait: 1d                 # the clock moves on; due timers and follow-ups fire, each at its time
        expect: [followup.care]  # [] = the bot stays silent
        followup: seeds.value    # optional: the follow-up planned next (plan.step; "" = none)
        sent_between: "09:00-21:00"  # optional: every follow-up of the step went out in these local hours
      - send: image              # image | voice | video | file | sticker
        expect: [non_text]
      - say: 包邮吗
        expect: ["faq:shipping_fee", "~满59"]   # key, faq:<id>, card:<product>, or ~regex on the text
        state: survey.skin                       # optional checks after the step
        tags: [油皮]                             # the customer's tags (profile)
        slots: {name: 小美}
        handover: false
        decision: recommend                      # what the restraint policy decided in this step (its last)
        why: [主动要, "~急"]                       # each found in the step's reasons (/debug), ~ = regex
        evidence: [ask, urgent]                  # evidence kinds that counted for that decision
        codes: {concern: "3", skin: "?"}         # survey answers in the profile ("?" = skipped, null = none)
        profile: {opted_out: true, sessions: 1}  # other profile fields

Each test starts from a new customer at 10:00 local time. `expect` lists every message of the step, in order.
Events: welcome (a new contact, welcomed with the kf link card), welcome_plain (without a kf link),
enter_session (the customer opens the kf chat), enter_from_welcome (from the card of a contact welcome),
handback (the human ended the session), purchase (an order or a purchase tag), delete (the customer deletes
the staff member).
"""

from __future__ import annotations

import re
import sys
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bot.content.durations import seconds
from bot.content.source import ContentError
from bot.conversation import InboundKind, Outbound
from bot.engine.library import Library
from bot.tools.convtest_checks import sales_checks
from bot.tools.convtest_load import load_cases, nothing_to_run
from bot.tools.convtest_schema import TestCase, TestStep

__all__ = ["TestCase", "TestStep", "load_cases", "run_case", "run_tests", "uncovered"]
from bot.tools.simulator import Simulator

_SEND = {"image": InboundKind.IMAGE, "voice": InboundKind.VOICE, "video": InboundKind.VIDEO,
         "file": InboundKind.FILE, "sticker": InboundKind.STICKER, "link": InboundKind.LINK}


@dataclass
class Outcome:
    file: str
    name: str
    failures: list[str] = field(default_factory=list)
    fired: set[str] = field(default_factory=set)


def _matches(expected: str, message: Outbound) -> bool:
    if expected.startswith("~"):
        return re.search(expected[1:], message.text) is not None
    label = message.label
    return expected == label or label.startswith(expected + ".")


async def run_case(library: Library, case: TestCase, file: str, lines: list[int]) -> Outcome:
    outcome = Outcome(file, case.name)
    simulator = Simulator(library, channel=case.channel, customer=f"test_{zlib.crc32(case.name.encode())}",
                          start=1_767_225_600.0 + 2 * 3600)  # 10:00 in Shanghai: greetings stay stable
    for number, step in enumerate(case.steps):
        where = f"{file}:{lines[number]}"
        sent_before, times_before = len(simulator.events), len(simulator.followup_times)
        if step.say is not None:
            messages = await simulator.say(step.say)
        elif step.burst is not None:
            messages = await simulator.burst([str(text) for text in step.burst])
        elif step.event is not None:
            messages = await _event(simulator, step.event, step.first)
        elif step.send is not None:
            messages = await simulator.send(_SEND[step.send])
        else:
            messages = await simulator.wait(seconds(step.wait or "0s"))
        session = await simulator.session()
        outcome.fired.update(session.fired, simulator.fired_before)
        simulator.fired_before = []
        handover = bool(session.handover_at) and session.handover_at >= simulator.now
        got = [m.label or m.text for m in messages]
        expected = step.expect
        if expected is not None and (len(expected) != len(messages)
                                     or not all(_matches(e, m) for e, m in zip(expected, messages, strict=True))):
            outcome.failures.append(f"{where}: 期望 {step.expect}，实际 {got} "
                                    f"({' / '.join(m.text for m in messages)})")
        current = f"{session.flow}.{session.state}" if session.flow else ""
        if step.state is not None and step.state != current:
            outside = "(不在流程里)"
            outcome.failures.append(f"{where}: 期望状态 {step.state or outside}，实际 {current or outside}")
        profile = await simulator.profile()
        if step.tags is not None and not set(step.tags) <= set(profile.tags):
            outcome.failures.append(f"{where}: 期望标签 {step.tags}，实际 {profile.tags}")
        for slot, value in (step.slots or {}).items():
            if session.slots.get(slot) != value:
                outcome.failures.append(f"{where}: 期望变量 {slot}={value!r}，实际 {session.slots.get(slot)!r}")
        if step.handover is not None and step.handover != handover:
            outcome.failures.append(f"{where}: 期望 handover={step.handover}，实际 {handover}")
        outcome.failures += sales_checks(step, where, session.trace, profile,
                                          await simulator.decisions(sent_before))
        if step.followup is not None and step.followup != (planned := await simulator.next_followup()):
            outcome.failures.append(f"{where}: 期望下一条跟进 {step.followup or '(没有)'}，实际 {planned or '(没有)'}")
        for at in simulator.followup_times[times_before:] if step.sent_between else ():
            local = datetime.fromtimestamp(at, simulator.engine.zone).strftime("%H:%M")
            low, high = (step.sent_between or "").split("-")
            if not (low <= local <= high if low <= high else local >= low or local <= high):
                outcome.failures.append(f"{where}: 跟进在 {local} 发出，不在 {step.sent_between} 之间")
        if outcome.failures:
            break
    return outcome


async def _event(simulator: Simulator, event: str, first: str | None = None) -> list[Outbound]:
    if event in ("welcome", "welcome_plain"):
        return await simulator.welcome(kf_link=event == "welcome")
    if event in ("enter_session", "enter_from_welcome"):
        return await simulator.enter(from_welcome=event == "enter_from_welcome", first=first)
    if event == "handback":
        return await simulator.send(InboundKind.HANDBACK)
    if event == "purchase":
        return await simulator.purchase()
    return await simulator.delete()


async def run_tests(library: Library, path: Path, *, coverage: bool = False, quiet: bool = False) -> int:
    """Each test's result (with `quiet`, the failures only), the totals, the coverage; exit 1 on a failure."""
    try:
        cases = load_cases(path, library.current)
    except ContentError as error:
        print(error)
        return 1
    if not cases:  # "0 通过, 0 失败" and exit 0 made a CI step that checked nothing green
        print(nothing_to_run(path), file=sys.stderr)
        return 1
    fired: set[str] = set()
    failed = 0
    for file, case, lines in cases:
        outcome = await run_case(library, case, file, lines)
        fired |= outcome.fired
        if outcome.failures:
            failed += 1
            print(f"FAIL {case.name}")
            for failure in outcome.failures:
                print(f"  {failure}")
        elif not quiet:
            print(f"ok   {case.name}")
    print(f"\n{len(cases) - failed} 通过, {failed} 失败")
    missing = uncovered(library, fired)
    rules = sum(len(flow.rule_ids) for flow in library.current.flows.values())
    print(f"流程规则覆盖: {rules - len(missing)}/{rules}")
    if coverage and missing:
        print("没有测试走到的规则:\n  " + "\n  ".join(rule_name(rule) for rule in missing))
    return 1 if failed or (coverage and missing) else 0


def uncovered(library: Library, fired: set[str]) -> list[str]:
    return [rule for flow in library.current.flows.values() for rule in flow.rule_ids if rule not in fired]


def rule_name(rule_id: str) -> str:
    """A rule id (icebreak.chat.on[3], counted from 0 inside the engine) as `siyu check` names the rule: its state
    and its place counted from 1, as the editor shows — icebreak 状态 chat 的第 4 条 on."""
    flow, state, where = rule_id.split(".", 2)
    kind, _, number = where.partition("[")
    place = f"第 {int(number.rstrip(']')) + 1} 条 {kind}" if number else f" {kind}"
    return f"{flow} 状态 {state} 的{place}"
