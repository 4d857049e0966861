"""A flow state that asks the customer something and has nowhere to go with the answer: a dead end.

A state without `on` rules or `next` ends its flow as soon as it has spoken (bot/engine/flow_runner.py). That
is right for a closing line (recommend.nothing_fits: 先把基础的清洁保湿做好就很棒了), but when what it says is a
question, the customer answers a flow that is already over: her answer falls through to the FAQ or the
fallback, and the question she was asked is never followed up. `siyu check` reports it at the state's `say`.

Whether a line is a question is read from the persona's texts: a ？ or ? at the end (after emoji, ～ and
spaces). A state that hands over (`handover: true`) is left alone: a person answers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.content.source import Document, Problem
from bot.engine.flows import FlowFile, State
from bot.engine.persona import Persona

_QUESTION = re.compile(r"[？?][^\w？?。！!.]*$")


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text.strip()))


def _texts(persona: Persona, key: str) -> Iterable[tuple[str, str]]:
    """The texts a key can be said as: the key itself and its variants by channel or time of day (key.live)."""
    for name, variants in persona.messages.items():
        if name == key or (name.startswith(f"{key}.") and "." not in name[len(key) + 1:]):
            for text in variants:
                yield name, text


def _stops(state: State) -> bool:
    """Whether the flow ends right after this state speaks (no rule waits for her answer, nothing moves on)."""
    return not state.on and not state.next and state.ask is None and not state.reprompt and not state.handover


def open_questions(flows: dict[str, tuple[FlowFile, Document]], personas: Iterable[Persona]) -> list[Problem]:
    problems = []
    personas = list(personas)
    for spec, doc in flows.values():
        for state_name, state in spec.states.items():
            if not _stops(state):
                continue
            found = next(((index, name, text) for index, key in enumerate(state.say) for persona in personas
                          for name, text in _texts(persona, key) if is_question(text)), None)
            if found is None:
                continue
            index, name, text = found
            problems.append(doc.problem(
                ("states", state_name, "say", index),
                f"状态 “{state_name}” 问了顾客一句（{name}：“{text}”），却没有 on 规则接住回答、也没有 next："
                "说完流程就结束了，顾客怎么回答都接不上。加上 on 规则（比如 any: true），或把这句改成不用回答的话"))
    return problems
