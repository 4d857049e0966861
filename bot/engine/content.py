"""All operator content of one deployment, loaded and cross-checked as one unit.

Either everything loads and every reference resolves, or nothing is used and every problem is
reported as file:line:col. The result is immutable and carries a version, so a customer in the middle
of a flow can finish it on the content they started with while newer content serves everyone else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.content.source import ContentError, Document, Path_, Problem, load_document, validate
from bot.engine.flows import FlowFile, State, Target, Transition, When
from bot.engine.machine import CompiledFlow
from bot.engine.persona import BUILTIN_VARIABLES, Persona, PersonaFile, Rules, lint_text, variables_of
from bot.moderation.detector import Detector
from bot.moderation.load import ModerationContent, load_moderation
from bot.understanding.knowledge import load_knowledge
from bot.understanding.matcher import Understanding

# Keys the engine itself says (the words stay in the persona; only the keys are fixed).
ENGINE_KEYS = ("fallback", "clarify", "reprompt", "handover", "opt_out", "non_text", "empty", "greeting",
               "thanks", "ack", "welcome", "unsure")
DEFAULT_PERSONA = "xiaowanzi"


@dataclass(frozen=True)
class Content:
    root: Path
    version: str
    understanding: Understanding
    personas: dict[str, Persona]
    default_persona: str
    rules: Rules
    flows: dict[str, CompiledFlow]
    moderation: Detector | None = None  # knowledge/moderation.yaml; None when the file is absent

    def persona_for(self, channel: str) -> Persona:
        for persona in self.personas.values():
            if channel and channel in persona.spec.channels:
                return persona
        return self.personas[self.default_persona]


def content_version(root: Path) -> str:
    digest = hashlib.sha1()
    for path in sorted(_content_files(root)):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def _content_files(root: Path) -> Iterator[Path]:
    for folder in ("flows", "persona", "knowledge"):
        yield from (root / folder).glob("*.yaml")
    yield from (root / "knowledge").glob("*.tsv")  # the moderation model


def load_content(root: Path, persona: str | None = None) -> Content:
    """Load root/{knowledge,persona,flows}; raise ContentError with every problem found."""
    root = root.resolve()
    problems: list[Problem] = []
    knowledge = None
    try:
        knowledge = load_knowledge(root / "knowledge", root)
    except ContentError as error:
        problems.extend(error.problems)

    personas: dict[str, tuple[Persona, Document]] = {}
    rules = Rules()
    for path in sorted((root / "persona").glob("*.yaml")):
        display = str(path.relative_to(root))
        try:
            document = load_document(path, display)
            if path.stem == "rules":
                rules = validate(Rules, document)
            else:
                personas[path.stem] = (Persona(path.stem, validate(PersonaFile, document)), document)
        except ContentError as error:
            problems.extend(error.problems)
    if not personas and not any(p.file.startswith("persona") for p in problems):
        problems.append(Problem("persona/", 1, 1, "没有人设文件 (no persona/*.yaml)"))
    default = persona or (DEFAULT_PERSONA if DEFAULT_PERSONA in personas else min(personas, default=""))
    if persona and persona not in personas and personas:
        problems.append(Problem("persona/", 1, 1, f"SIYU_PERSONA={persona}: 没有 persona/{persona}.yaml"))

    flows: dict[str, tuple[FlowFile, Document]] = {}
    flow_paths = sorted((root / "flows").glob("*.yaml"))
    if not flow_paths:
        problems.append(Problem("flows/", 1, 1, "没有流程文件 (no flows/*.yaml)"))
    for path in flow_paths:
        try:
            document = load_document(path, str(path.relative_to(root)))
            flows[path.stem] = (validate(FlowFile, document), document)
        except ContentError as error:
            problems.extend(error.problems)

    moderation: ModerationContent | None = None
    try:
        moderation = load_moderation(root / "knowledge", root)
    except ContentError as error:
        problems.extend(error.problems)

    if problems:  # references can only be checked once every file parses
        raise ContentError(problems)
    assert knowledge is not None
    checker = _Checker(knowledge.intents.keys(), {e.id for e in knowledge.faq}, flows)
    problems.extend(checker.check_flows())
    slots = checker.slots | BUILTIN_VARIABLES
    for persona_obj, document in personas.values():
        problems.extend(_check_persona(persona_obj, document, rules, checker.keys_used, slots))
    answer_keys = {e.answer_key for e in knowledge.faq if e.answer_key}
    for persona_obj, document in personas.values():
        for key in sorted(answer_keys - persona_obj.messages.keys()):
            problems.append(document.problem(("messages",), f"知识库引用的文案 “{key}” 在人设里不存在"))
    problems.extend(_lint_knowledge(root, rules))
    if problems:
        raise ContentError(problems)

    understanding = Understanding(knowledge)
    compiled = {name: CompiledFlow(name, spec, understanding.normalize, understanding.understand)
                for name, (spec, _) in flows.items()}
    return Content(
        root=root,
        version=content_version(root),
        understanding=understanding,
        personas={name: p for name, (p, _) in personas.items()},
        default_persona=default,
        rules=rules,
        flows=compiled,
        moderation=Detector(moderation) if moderation is not None else None,
    )


def _lint_knowledge(root: Path, rules: Rules) -> list[Problem]:
    """Answers and pitches are said to customers too: the same lint applies."""
    problems = []
    for name, listing, text_field in (("faq", "entries", "answer"), ("products", "products", "pitch")):
        document = load_document(root / "knowledge" / f"{name}.yaml", f"knowledge/{name}.yaml")
        for index, item in enumerate(document.data.get(listing) or []):
            text = item.get(text_field) if isinstance(item, dict) else None
            if isinstance(text, str):
                for message in lint_text(text, rules, []):
                    problems.append(document.problem((listing, index, text_field), f"{item.get('id')}: {message}"))
    return problems


Used = dict[str, tuple[str, int, int]]  # persona key -> where a flow first uses it


def _check_persona(persona: Persona, document: Document, rules: Rules, used: Used,
                   slots: frozenset[str] | set[str]) -> list[Problem]:
    problems = []
    for key in ENGINE_KEYS:
        if not persona.has(key):
            problems.append(document.problem(("messages",), f"缺少引擎要用的文案 “{key}” (required key)"))
    for key, variants in persona.messages.items():
        for index, text in enumerate(variants):
            where: Path_ = ("messages", key, index)
            for message in lint_text(text, rules, persona.spec.style.emoji):
                problems.append(document.problem(where, f"{key}: {message}"))
            for name in sorted(variables_of(text) - slots):
                problems.append(document.problem(where, f"{key}: 变量 {{{name}}} 没有任何流程会设置"))
    for key, (file, line, col) in used.items():
        if not persona.has(key):
            problems.append(Problem(file, line, col, f"文案 “{key}” 在人设 {persona.id} 里不存在"))
    return problems


class _Checker:
    """References and graph checks across flows."""

    def __init__(self, intents: object, faq_ids: set[str], flows: dict[str, tuple[FlowFile, Document]]):
        self.intents = set(intents)  # type: ignore[call-overload]
        self.faq_ids = faq_ids
        self.flows = flows
        self.keys_used: Used = {}
        self.slots: set[str] = set()
        self.tags: set[str] = set()
        for spec, _ in flows.values():
            for start_on in spec.start_on:
                self.slots.update(start_on.set, start_on.add)
                self.tags.update(start_on.tag)
            for state in spec.states.values():
                self.slots.update(rule.save for rule in state.on if rule.save)
                for effects in (state, *state.on, *(state.next or []), *([state.fallback] if state.fallback else [])):
                    self.slots.update(effects.set, effects.add)
                    self.tags.update(effects.tag)
                if state.ask:
                    if state.ask.save:
                        self.slots.add(state.ask.save)
                    if state.ask.tag:
                        self.tags.update(state.ask.options)
                if state.recommend:
                    self.slots.update(("product", "pitch", "offered"))

    def check_flows(self) -> list[Problem]:
        problems: list[Problem] = []
        for name, (spec, doc) in self.flows.items():
            problems.extend(self._check_flow(name, spec, doc))
        return problems

    def _check_flow(self, name: str, spec: FlowFile, doc: Document) -> list[Problem]:
        problems: list[Problem] = []
        states = spec.states
        if spec.start not in states:
            problems.append(doc.problem(("start",), f"start 指向不存在的状态 “{spec.start}”"))
        for index, start_on in enumerate(spec.start_on):
            self._say(doc, ("start_on", index), start_on.say)
            for intent in start_on.intent or ():
                if intent not in self.intents:
                    problems.append(doc.problem(("start_on", index, "intent"), f"没有意图 “{intent}”"))
            problems.extend(self._check_when(doc, ("start_on", index, "when"), start_on.when))

        def target(path: Path_, rule: Target) -> None:
            if rule.goto is not None and rule.goto not in states:
                problems.append(doc.problem((*path, "goto"), f"goto 指向不存在的状态 “{rule.goto}”"))
            if rule.flow is not None and rule.flow not in self.flows:
                problems.append(doc.problem((*path, "flow"), f"没有流程 “{rule.flow}” (flows/{rule.flow}.yaml)"))
            self._say(doc, path, rule.say)
            problems.extend(self._check_when(doc, (*path, "when"), rule.when))

        for state_name, state in states.items():
            base: Path_ = ("states", state_name)
            self._say(doc, base, state.say)
            self._say(doc, (*base, "reprompt"), state.reprompt)
            for index, rule in enumerate(state.on):
                path: Path_ = (*base, "on", index)
                target(path, rule)
                problems.extend(self._check_trigger(doc, path, rule, state))
            for index, move in enumerate(state.next or []):
                target((*base, "next", index), move)
            if state.fallback is not None:
                target((*base, "fallback"), state.fallback)
            waits = state.ask is not None or bool(state.reprompt)
            if waits and not state.on:
                problems.append(doc.problem(
                    base, f"状态 “{state_name}” 在等顾客回答，但没有 on 规则接住回答 (dead end)"))
            if state.next and state.next[-1].when is not None:
                problems.append(doc.problem((*base, "next"),
                                            "next 的最后一条不能带 when，否则条件都不满足时会卡住 (dead end)"))
        problems.extend(self._graph(name, spec, doc))
        return problems

    def _check_trigger(self, doc: Document, path: Path_, rule: Transition, state: State) -> list[Problem]:
        problems = []
        for intent in rule.intent or ():
            if intent not in self.intents:
                problems.append(doc.problem((*path, "intent"), f"没有意图 “{intent}” (knowledge/intents.yaml)"))
        for faq in rule.faq or ():
            if faq != "any" and faq not in self.faq_ids:
                problems.append(doc.problem((*path, "faq"), f"没有 FAQ “{faq}” (knowledge/faq.yaml)"))
        for option in rule.option or ():
            if state.ask is None:
                problems.append(doc.problem((*path, "option"), "这个状态没有 ask，不能按选项跳转"))
            elif option != "any" and option not in state.ask.options:
                problems.append(doc.problem((*path, "option"), f"ask 里没有选项 “{option}”"))
        return problems

    def _check_when(self, doc: Document, path: Path_, when: When | None) -> list[Problem]:
        if when is None:
            return []
        problems = []
        for field_name in ("tags_any", "tags_all", "tags_none"):
            for tag in getattr(when, field_name):
                if tag not in self.tags:
                    problems.append(doc.problem((*path, field_name), f"标签 “{tag}” 没有任何流程会打上 (typo?)"))
        for slot in when.slot:
            if slot not in self.slots:
                problems.append(doc.problem((*path, "slot"), f"变量 “{slot}” 没有任何流程会设置 (typo?)"))
        return problems

    def _say(self, doc: Document, path: Path_, keys: list[str]) -> None:
        for index, key in enumerate(keys):
            where: Path_ = (*path, "say", index) if path[-1] != "reprompt" else (*path, index)
            self.keys_used.setdefault(key, (doc.file, *doc.where(where)))

    def _graph(self, name: str, spec: FlowFile, doc: Document) -> list[Problem]:
        problems = []
        edges: dict[str, list[str]] = {}
        for state_name, state in spec.states.items():
            rules: list[Target] = [*state.on, *(state.next or []), *([state.fallback] if state.fallback else [])]
            edges[state_name] = [r.goto for r in rules if r.goto is not None]
        seen, todo = set(), [spec.start]
        while todo:
            current = todo.pop()
            if current in seen or current not in edges:
                continue
            seen.add(current)
            todo.extend(edges[current])
        for state_name in spec.states:
            if state_name not in seen:
                problems.append(doc.problem(("states", state_name),
                                            f"状态 “{state_name}” 从 start 走不到 (unreachable)"))
        # a loop made only of `next` would never wait for the customer
        immediate = {s: [t.goto for t in st.next or [] if t.goto] for s, st in spec.states.items()}
        for state_name in spec.states:
            path, current = [state_name], state_name
            while immediate.get(current):
                current = immediate[current][0]
                if current in path:
                    problems.append(doc.problem(("states", state_name, "next"),
                                                f"next 形成了死循环: {' → '.join([*path, current])}"))
                    break
                path.append(current)
        return problems
