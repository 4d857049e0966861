"""`siyu diagram FLOW`: the flow as a Mermaid state diagram."""

from __future__ import annotations

from bot.engine.flows import FlowFile, Target, Transition


def _label(rule: Target) -> str:
    parts = []
    if isinstance(rule, Transition):
        value = getattr(rule, rule.trigger)
        shown = "/".join(value) if isinstance(value, list) else ("" if value is True else str(value))
        parts.append(f"{rule.trigger} {shown}".strip())
    if rule.when is not None:
        when = rule.when.model_dump(exclude_defaults=True)
        parts.append("when " + ", ".join(f"{k}={v}" for k, v in when.items()))
    return "; ".join(parts).replace(":", " ").replace('"', "'")


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
