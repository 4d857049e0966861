"""The checks of a conversation test's step that read the restraint policy's decisions, the reasons (/debug) and
the customer's profile (bot/tools/convtest.py runs the steps)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.profile.model import Profile

if TYPE_CHECKING:
    from bot.tools.convtest import TestStep


def _found(expected: str, lines: list[str]) -> bool:
    if expected.startswith("~"):
        return any(re.search(expected[1:], line) for line in lines)
    return any(expected in line for line in lines)


def sales_checks(step: TestStep, where: str, trace: list[str], profile: Profile,
                  decisions: list[dict[str, Any]]) -> list[str]:
    failures = []
    last = decisions[-1] if decisions else None
    if step.decision is not None:
        got = str(last["action"]) if last else "none"
        if got != step.decision:
            failures.append(f"{where}: 期望策略决定 {step.decision}，实际 {got} "
                            f"({'；'.join(last['reasons']) if last else '这一步没有询问策略'})")
    reasons = [r for d in decisions for r in d.get("reasons", [])] + trace
    for expected in step.why or ():
        if not _found(expected, reasons):
            failures.append(f"{where}: 原因里没有 “{expected}”：{reasons}")
    counted = {str(e[0]) for e in (last or {}).get("evidence", [])}
    if step.evidence is not None and not set(step.evidence) <= counted:
        failures.append(f"{where}: 期望证据 {step.evidence}，实际 {sorted(counted)}")
    for question, code in (step.codes or {}).items():
        if profile.codes.get(question) != code:
            failures.append(f"{where}: 期望 {question}={code}，实际 {profile.codes.get(question)}")
    for name, value in (step.profile or {}).items():
        actual = getattr(profile, name, None)
        if actual != value:
            failures.append(f"{where}: 期望 profile.{name}={value!r}，实际 {actual!r}")
    return failures
