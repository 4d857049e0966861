"""`siyu diagram FLOW`: the flow as a Mermaid state diagram."""

from __future__ import annotations

from typing import Any

from bot.engine.flows import FlowFile, Scalar, Target, Transition, When, comparison


def _label(rule: Target) -> str:
    parts = []
    if isinstance(rule, Transition):
        value = getattr(rule, rule.trigger)
        shown = "/".join(value) if isinstance(value, list) else ("" if value is True else str(value))
        parts.append(f"{rule.trigger} {shown}".strip())
    if rule.when is not None:
        parts.append("when " + _conditions(rule.when))
    return "; ".join(parts).replace(":", " ").replace('"', "'")


_SIGNS = {">=": "≥", "<=": "≤", "!=": "≠", "==": "=", ">": ">", "<": "＜"}  # < would open an HTML tag in Mermaid


def _value(value: Any) -> str:
    """A condition's value as it is written in the flow (true, not Python's True), with no braces or quotes."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "/".join(_value(item) for item in value)
    return str(value)


def _compared(name: str, value: Scalar) -> str:
    if isinstance(value, str) and (found := comparison(value)) is not None:
        sign, number = found
        return f"{name}{_SIGNS[sign]}{number:g}"
    if value in ("set", "unset"):
        return f"{name} {value}"
    return f"{name}={_value(value)}"


def _conditions(when: When) -> str:
    """slot {decision: ask_first, question: concern} reads `decision=ask_first, question=concern`, not a dict."""
    said: list[str] = []
    for key, value in when.model_dump(exclude_defaults=True).items():
        if key == "slot":
            said.extend(_compared(name, slot_value) for name, slot_value in value.items())
        elif key == "score":
            said.append(_compared("score", value))
        else:
            said.append(f"{key}={_value(value)}")
    return ", ".join(said)


def mermaid(spec: FlowFile) -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {spec.start}"]
    for name, state in spec.states.items():
        rules: list[tuple[str, Target]] = [("", r) for r in state.on]
        rules += [("next", r) for r in state.next or []]
        rules += [("fallback", state.fallback)] if state.fallback else []
        for kind, rule in rules:
            label = _label(rule) or kind
            if rule.goto is not None:
                target = rule.goto
            elif rule.flow is not None:
                target = f"flow_{rule.flow}"
                lines.append(f"    state \"→ {rule.flow}\" as flow_{rule.flow}")
            else:
                target = "[*]"
            lines.append(f"    {name} --> {target}" + (f": {label}" if label else ""))
        if not rules:
            lines.append(f"    {name} --> [*]")
    return "\n".join(dict.fromkeys(lines))  # each line once, in order
