"""`siyu check` warnings about a survey question that does not list its options.

A state with `ask` takes a code (回数字就行); its question line shows the codes through `{options}` (the codebook's
options, numbered). A line of that question written without `{options}` (“你的肤质更接近哪种呀？回数字就行：”) asks
her to reply with a number she is never shown. It is a warning at that line of the persona: a question answered in
her own words may leave the codes out on purpose.
"""

from __future__ import annotations

from bot.content.source import ContentError, Problem, load_document
from bot.engine.content import Content

OPTIONS = "{options}"


def options_warnings(content: Content) -> list[Problem]:
    asking: dict[str, str] = {}  # persona key → the flow state whose question it says
    for name, flow in content.flows.items():
        for state_name, state in flow.spec.states.items():
            if state.ask is not None:
                for key in [*state.say[-1:], *state.reprompt]:
                    asking.setdefault(key, f"{name}.{state_name}")
    problems: list[Problem] = []
    for persona_name, persona in sorted(content.personas.items()):
        display = f"persona/{persona_name}.yaml"
        path = content.root / display
        lines = [(key, number, line) for key, variants in persona.messages.items()
                 if _asked(key, asking) for number, line in enumerate(variants) if OPTIONS not in line]
        if not lines or not path.exists():
            continue
        try:
            document = load_document(path, display)
        except ContentError:
            continue  # check_all reports a file it cannot read
        for key, number, line in lines:
            row, col = document.where(("messages", key, number))
            problems.append(Problem(display, row, col,
                                    f"{key} 是流程 {_asked(key, asking)} 的提问，这一句没有写 {OPTIONS}："
                                    f"顾客看不到能回的编号和选项（“{line}”）。要列出选项就在句子里加上 {OPTIONS}"))
    return problems


def _asked(key: str, asking: dict[str, str]) -> str:
    """The state asking with this key, also for its channel and time-of-day variants (survey.skin.live)."""
    for asked, state in asking.items():
        if key == asked or key.startswith(asked + "."):
            return state
    return ""
