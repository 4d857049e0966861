"""Flows compiled into `transitions` machines, once per content load.

Operators never hand strings to `transitions`: every condition and action is one of ours, built here
from the parsed flow (an allow-list by construction). One machine per flow is shared by all customers:
a step sets the machine to the customer's stored state, fires one trigger and reads the result, all
synchronously, so no two customers ever interleave on it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from transitions import EventData, Machine
from transitions import State as MachineState

from bot.engine.conditions import holds
from bot.engine.flows import PSEUDO_OPTIONS, SOMEONE_ELSE, Effects, FlowFile, Target, Transition
from bot.engine.options import OptionMatcher, Revealed
from bot.engine.session import Session
from bot.profile.codebook import Codebook
from bot.profile.model import Profile
from bot.understanding.matcher import Decision, Result
from bot.understanding.names import mostly, name_in, surname_in, told_name
from bot.understanding.naming import ProductNames
from bot.understanding.normalize import Normalizer
from bot.understanding.phrases import Phrases

END = "__end__"
SAID, OTHERWISE, SILENCE, PROCEED, FALLBACK = "said", "otherwise", "silence", "proceed", "fallback"
def _plain(data: object) -> str:
    """{'slot': {'decision': 'recommend'}} as the operator wrote it: {slot: {decision: recommend}}."""
    return str(data).replace("'", "").replace("True", "true").replace("False", "false")


_TRIGGERS = {SAID: "顾客说的对上了", OTHERWISE: "顾客说了别的（any）", SILENCE: "顾客没回", PROCEED: "next 立刻走",
             FALLBACK: "没听懂三次，按 fallback"}
_NAME_FRAMES = re.compile(
    r"^(你可以|可以|就|直接)?(叫我|喊我|我叫|我是|称呼我)"  # 叫我小美
    r"|(就行|就好|就可以|即可)?[吧哦呀啦呢哈～~!！。.,，]*$"  # …就行吧
)


@dataclass
class Step:
    """One customer turn as the machines see it. The engine fills it and applies what it collects."""

    session: Session
    profile: Profile
    result: Result | None
    apply: Callable[[Effects], None]
    enter: Callable[[str, str], None]  # (flow, state) entered
    choose: Callable[[str, str], None]  # (state, option label) the customer chose in the state's ask
    score: float = 0.0
    option: str | None = None
    value: str | None = None  # what a `name` rule read (saved instead of the whole text)
    by_surname: Callable[[str], str | None] = lambda surname: None  # 张 → 小张 (the persona's `surname`)
    known_option: str | None = None  # the answer the profile already has: the question is not asked
    switch_flow: str | None = None
    ended: bool = False
    why: list[str] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.result.normalized if self.result else ""


def said_value(text: str) -> str:
    """What the customer said, without the framing around a name (叫我小美就行 → 小美), at most 20 chars."""
    cleaned = _NAME_FRAMES.sub("", text.strip()).strip()
    return (cleaned or text.strip())[:20]


class CompiledFlow:
    def __init__(self, name: str, spec: FlowFile, normalize: Normalizer, codebook: Codebook,
                 understand: Callable[[str], Result] | None = None, phrases: Phrases | None = None,
                 topics: Iterable[str] = (), names: ProductNames | None = None) -> None:
        self.name = name
        self.topics = list(topics)  # the knowledge's own words (names.topic_words): a reply made of them is no name
        self.spec = spec
        self.normalize = normalize
        self.understand = understand
        self.options = {s: OptionMatcher(st.ask, normalize, codebook, understand, phrases, names)
                        for s, st in spec.states.items() if st.ask}
        self.revealed = Revealed(normalize, codebook, phrases, understand)
        self.silence: dict[str, Transition] = {
            s: t for s, st in spec.states.items() for t in st.on if t.silence is not None
        }
        states = [MachineState(s, on_enter=[self._entered]) for s in spec.states]
        states.append(MachineState(END))
        self.machine = Machine(
            model=None, states=states, initial=spec.start, auto_transitions=False, send_event=True,
            ignore_invalid_triggers=True, model_attribute="state",
        )
        self.cursor = _Cursor()
        self.machine.add_model(self.cursor, initial=spec.start)
        self.rule_ids: list[str] = []
        self.start_on = [(rule, f"流程 {name} 开始（start_on {_plain(rule.model_dump(exclude_defaults=True))}）")
                         for rule in spec.start_on]  # with its trace line, built once
        for source, state in spec.states.items():
            for index, rule in enumerate(state.on):
                trigger = SILENCE if rule.silence is not None else OTHERWISE if rule.any else SAID
                self._add(trigger, source, rule, f"on[{index}]", [self._matcher(source, rule)])
            for index, target in enumerate(state.next or []):
                self._add(PROCEED, source, target, f"next[{index}]", [])
            if state.fallback is not None:
                self._add(FALLBACK, source, state.fallback, "fallback", [])

    def _add(self, trigger: str, source: str, rule: Target, where: str,
             conditions: list[Callable[[EventData], bool]]) -> None:
        when = rule.when
        rule_id = f"{self.name}.{source}.{where}"
        self.rule_ids.append(rule_id)
        description = self._describe(trigger, source, rule)  # for /debug and the trace; static, so built once

        def condition(event: EventData) -> bool:
            step: Step = event.kwargs["step"]
            return holds(when, step.session, step.profile, step.score)

        def effects(event: EventData) -> None:
            step: Step = event.kwargs["step"]
            step.why.append(description)
            step.fired.append(rule_id)
            if isinstance(rule, Transition):
                if rule.option is not None and step.option not in (None, SOMEONE_ELSE):
                    step.choose(source, step.option)
                if rule.save is not None and step.result is not None:
                    step.session.slots[rule.save] = step.value or said_value(step.result.text)
            step.apply(rule)
            if rule.flow is not None:
                step.switch_flow = rule.flow
            if rule.end or rule.flow is not None:
                step.ended = True

        dest = rule.goto if rule.goto is not None else END
        self.machine.add_transition(trigger, source, dest, conditions=[*conditions, condition], before=[effects])

    def _matcher(self, source: str, rule: Transition) -> Callable[[EventData], bool]:
        normalize = self.normalize
        kind = rule.trigger
        if kind == "intent":
            wanted = set(rule.intent or ())

            def by_intent(event: EventData) -> bool:
                step: Step = event.kwargs["step"]
                for name, score in step.result.intents if step.result else ():
                    if name in wanted:
                        step.score = score
                        return True
                return False

            return by_intent
        if kind == "faq":
            ids = set(rule.faq or ())

            def by_faq(event: EventData) -> bool:
                step: Step = event.kwargs["step"]
                result = step.result
                if result is None or result.decision is not Decision.ANSWER:
                    return False
                if "any" in ids or ids.intersection(result.answers):
                    step.score = result.candidates[0].score if result.candidates else 100.0
                    return True
                return False

            return by_faq
        if kind == "keyword":
            words = [w for w in (normalize(k) for k in rule.keyword or ()) if w]

            def by_keyword(event: EventData) -> bool:
                step: Step = event.kwargs["step"]
                if any(w in step.text for w in words):
                    step.score = 100.0
                    return True
                return False

            return by_keyword
        if kind == "option":
            labels = set(rule.option or ())
            matcher = self.options.get(source)

            def by_option(event: EventData) -> bool:
                step: Step = event.kwargs["step"]
                words = step.result.words if step.result else ()
                chosen = step.known_option or (matcher.choose(step.text, words) if matcher else None)
                if chosen is not None and (chosen in labels or ("any" in labels and chosen not in PSEUDO_OPTIONS)):
                    step.option, step.score = chosen, 100.0
                    return True
                return False

            return by_option
        if kind == "name":
            understand = self.understand
            # the flow's own keywords (精简, 抹抹, 步骤): a reply mostly made of them answers one of its questions
            vocabulary = [w for w in (normalize(k) for st in self.spec.states.values() for r in st.on
                                      for k in r.keyword or ()) if w]
            topics = self.topics

            def by_name(event: EventData) -> bool:
                step: Step = event.kwargs["step"]
                if step.result is None or understand is None or mostly(vocabulary, step.text):
                    return False
                if mostly(topics, step.text) and not told_name(step.result, understand):
                    return False  # 毛孔大, 敏感肌 容易红, 保湿水: her skin or a product (叫我糖糖 is told, though)
                surname = surname_in(step.result)
                step.value = (step.by_surname(surname) if surname else None) or name_in(step.result, understand)
                if step.value:
                    step.score = 100.0
                return bool(step.value)

            return by_name
        if kind == "reveals":
            questions = set(rule.reveals or ())
            revealed = self.revealed

            def by_reveals(event: EventData) -> bool:
                step: Step = event.kwargs["step"]
                found = revealed.questions(step.result) if step.result else set()
                if found and ("any" in questions or found & questions):
                    step.score = 100.0
                    return True
                return False

            return by_reveals
        if kind == "any":
            return lambda event: bool(event.kwargs["step"].text)
        return lambda event: True  # silence: only timers fire this trigger

    def _entered(self, event: EventData) -> None:
        step: Step = event.kwargs["step"]
        state = event.state.name
        if state != END:
            step.enter(self.name, state)

    def _describe(self, trigger: str, source: str, rule: Target) -> str:
        """welcome.invite：顾客说了 intent: greeting → invite — a rule as the operator wrote it, for /debug."""
        target = f"流程 {rule.flow}" if rule.flow else ("结束流程" if rule.end else rule.goto)
        detail = ""
        if isinstance(rule, Transition):
            value = getattr(rule, rule.trigger)
            detail = f" {rule.trigger}: {', '.join(map(str, value)) if isinstance(value, list) else _plain(value)}"
        if rule.when is not None:
            detail += f"，条件 {_plain(rule.when.model_dump(exclude_defaults=True))}"
        return f"{self.name}.{source}：{_TRIGGERS.get(trigger, trigger)}{detail} → {target}"

    def fire(self, state: str, trigger: str, step: Step) -> bool:
        """Fire one trigger from state; True when a transition happened."""
        if state not in self.spec.states:
            return False
        self.machine.set_state(state, model=self.cursor)
        fired: bool = self.cursor.trigger(trigger, step=step)
        return fired

    def enter_start(self, step: Step) -> None:
        step.enter(self.name, self.spec.start)


class _Cursor:
    """The shared model: it only carries the state of the step being run."""

    state: str
    trigger: Callable[..., bool]
