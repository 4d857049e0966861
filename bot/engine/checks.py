"""Cross-file checks of operator content: references, the flow graph, persona texts, the sales settings.

Each check returns Problems at file:line:col; `load_content` runs them all and refuses content with any.
"""

from __future__ import annotations

from collections.abc import Collection

from bot.content.source import Document, Path_, Problem
from bot.content.suggest import maybe, misspelt, one_of
from bot.engine.flows import PSEUDO_OPTIONS, SOMEONE_ELSE, Effects, FlowFile, State, Target, Transition, When
from bot.engine.persona import Persona, Rules, braces_pair, lint_text, variables_of
from bot.events import FLOW_MARKS
from bot.policy.decide import Action
from bot.policy.spec import Policy
from bot.profile.codebook import Codebook

# Keys the engine itself says (the words stay in the persona; only the keys are fixed).
ENGINE_KEYS = ("fallback", "clarify", "reprompt", "handover", "opt_out", "non_text", "empty", "greeting",
               "thanks", "ack", "welcome", "unsure", "care")
BY_CONCERN = ("care",)  # variants by concern (care.痘痘): the bare key is what every other concern gets
RECOMMEND_SLOTS = ("decision", "question", "product", "pitch", "asked", "product_id", "over_budget",
                   "avoided", "because", "not_carried", "cautious", "other_kind", "minor",
                   "safe")
# set by the engine itself (welcome.py, gift.py, budget.py, buying.py, recall.py, aftersales.py, allergen.py)
ENGINE_SLOTS = ("welcome_via", "recipient", "price", "budget", "named_product", "known", "answer", "arrived",
                "ingredient", "amount", "wrote_first")
SLOT_VALUES = {"decision": tuple(Action)}  # what the engine puts in a slot a flow may test (recommend: true)
PRICE_VARIABLES = ("items", "total", "price", "count", "unit", "deal", "kind")  # price.* lines (engine/prices.py)


Used = dict[str, tuple[str, int, int]]  # persona key -> where a flow first uses it


def check_marks(doc: Document, path: Path_, effects: Effects) -> list[Problem]:
    return [doc.problem((*path, "mark"), f"mark “{mark}” 不认识；可用 {' / '.join(FLOW_MARKS)}")
            for mark in effects.mark if mark not in FLOW_MARKS]


def check_persona(persona: Persona, document: Document, rules: Rules, used: Used,
                   slots: frozenset[str] | set[str] | None, written: Collection[str] = ()) -> list[Problem]:
    """slots None: a flow or the codebook did not load, so which variables exist is not known (not checked).
    written: message keys as written, of a persona with a mistake checked as far as it is valid: a key left out
    for its own mistake (`handover: 好的` where a list belongs) is not also reported missing."""
    problems = []
    needed = {*ENGINE_KEYS, *used}  # keys wanted as they are: none of them is a misspelling of another
    for key in ENGINE_KEYS:
        if key in written:
            continue
        if not persona.has(key) or (key in BY_CONCERN and key not in persona.messages):
            problems.append(document.problem(("messages",), f"缺少引擎要用的文案 “{key}”：机器人自己会说这句，"
                                                            "messages 里要有它"
                                                            f"{misspelt(key, persona.messages, 'messages ', needed)}"))
    for key, variants in persona.messages.items():
        for index, text in enumerate(variants):
            where: Path_ = ("messages", key, index)
            for message in lint_text(text, rules, persona.spec.style.emoji):
                problems.append(document.problem(where, f"{key}: {message}"))
            if not braces_pair(text):
                problems.append(document.problem(where, f"{key}: 花括号没有配对：变量写成 {{name}}，"
                                                        "要原样显示花括号就写两个 {{ 或 }}"))
            for name in sorted(variables_of(text) - slots) if slots is not None else ():
                problems.append(document.problem(where, f"{key}: 变量 {{{name}}} 没有任何流程会设置"
                                                        f"{maybe(name, slots or (), braces=True)}"))
    titles = [t for t in rules.gendered_titles if t in persona.spec.surname.replace("{surname}", "")]
    if titles:
        problems.append(document.problem(
            ("surname",), f"surname “{persona.spec.surname}” 里有 “{'、'.join(titles)}”：只凭一个姓看不出性别，"
                          "别替顾客猜；写成 小{surname}、{surname}同学 这类（persona/rules.yaml 的 gendered_titles）"))
    for key, (file, line, col) in used.items():
        if not persona.has(key) and key not in written:
            hint = misspelt(key, persona.messages, '人设', needed) or maybe(key, persona.messages)
            problems.append(Problem(file, line, col, f"文案 “{key}” 在人设 {persona.id} 里不存在{hint}"))
    return problems


class FlowChecker:
    """References and graph checks across flows.

    A part given as None did not load (its own problems are reported): references into it are not checked, and
    neither are variables and tags when a flow file (`flow_files` lists every one on disk) or the codebook did
    not load, since that file may be the one that sets them.
    """

    def __init__(self, intents: Collection[str] | None, faq_ids: set[str] | None,
                 flows: dict[str, tuple[FlowFile, Document]], codebook: Codebook | None, policy: Policy | None,
                 flow_files: Collection[str] | None = None):
        self.intents = set(intents) if intents is not None else None
        self.faq_ids = faq_ids
        self.flows = flows
        self.flow_files = set(flow_files) if flow_files is not None else set(flows)
        self.codebook = codebook
        self.evidence = set(policy.evidence) if policy is not None else None
        self.complete = codebook is not None and self.flow_files <= set(flows)  # every setter of slots/tags loaded
        self.keys_used: Used = {}
        self.slots: set[str] = {*ENGINE_SLOTS, *PRICE_VARIABLES}
        # codebook tags are set by its questions or by staff
        self.tags: set[str] = set(codebook.tags) if codebook is not None else set()
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
                    self.slots.update(RECOMMEND_SLOTS)

    def check_flows(self) -> list[Problem]:
        problems: list[Problem] = []
        for name, (spec, doc) in self.flows.items():
            problems.extend(self._check_flow(name, spec, doc))
        return problems

    def check_partial_flows(self, partial: dict[str, tuple[FlowFile, Document, Document]]) -> list[Problem]:
        """Flows with a schema error, as far as they are valid: their references, checked against every state
        as written (one left out for its mistake is still there to go to); not their graph, which is incomplete."""
        problems: list[Problem] = []
        for name, (spec, doc, written) in partial.items():
            states = written.data.get("states") if isinstance(written.data, dict) else None
            problems.extend(self._check_flow(name, spec, doc, set(states) if isinstance(states, dict) else set()))
        return problems

    def _check_flow(self, name: str, spec: FlowFile, doc: Document, written: Collection[str] | None = None
                    ) -> list[Problem]:
        problems: list[Problem] = []
        states = spec.states if written is None else written
        if spec.start not in states:
            problems.append(doc.problem(("start",), f"start 指向不存在的状态 “{spec.start}”；"
                                                    f"{one_of(spec.start, states)}"))
        for index, start_on in enumerate(spec.start_on):
            self._say(doc, ("start_on", index), start_on.say)
            problems.extend(self._check_evidence(doc, ("start_on", index), start_on.evidence))
            problems.extend(check_marks(doc, ("start_on", index), start_on))
            for intent in start_on.intent or ():
                if self.intents is not None and intent not in self.intents:
                    problems.append(doc.problem(("start_on", index, "intent"), f"没有意图 “{intent}”"
                                                f"（knowledge/intents.yaml）；{one_of(intent, self.intents)}"))
            problems.extend(self._check_when(doc, ("start_on", index, "when"), start_on.when))

        broken: list[str] = []  # gotos to no state: the whole-flow checks (走不到) wait until they are fixed

        def target(path: Path_, rule: Target) -> None:
            if rule.goto is not None and rule.goto not in states:
                broken.append(rule.goto)
                problems.append(doc.problem((*path, "goto"), f"goto 指向不存在的状态 “{rule.goto}”；"
                                                             f"{one_of(rule.goto, states)}"))
            if rule.flow is not None and rule.flow not in self.flow_files:
                problems.append(doc.problem((*path, "flow"), f"没有流程 “{rule.flow}”（没有 flows/{rule.flow}.yaml）；"
                                                             f"{one_of(rule.flow, self.flow_files)}"))
            self._say(doc, path, rule.say)
            problems.extend(self._check_when(doc, (*path, "when"), rule.when))
            problems.extend(self._check_evidence(doc, path, rule.evidence))
            problems.extend(check_marks(doc, path, rule))

        for state_name, state in spec.states.items():
            base: Path_ = ("states", state_name)
            self._say(doc, base, state.say)
            self._say(doc, (*base, "reprompt"), state.reprompt)
            problems.extend(self._check_evidence(doc, base, state.evidence))
            problems.extend(check_marks(doc, base, state))
            code = state.ask.code if state.ask is not None else None
            if code is not None and self.codebook is not None and code not in self.codebook.questions:
                problems.append(doc.problem((*base, "ask", "code"), f"编码本里没有题目 “{code}”"
                                                                    f"（knowledge/codebook.yaml）；"
                                                                    f"{one_of(code, self.codebook.questions)}"))
            for index, rule in enumerate(state.on):
                path: Path_ = (*base, "on", index)
                target(path, rule)
                problems.extend(self._check_trigger(doc, path, rule, state, partial=written is not None))
            for index, move in enumerate(state.next or []):
                target((*base, "next", index), move)
            if state.fallback is not None:
                target((*base, "fallback"), state.fallback)
            waits = state.ask is not None or bool(state.reprompt)
            if waits and not state.on and written is None:  # in a partial flow its rules may be left out
                problems.append(doc.problem(
                    base, f"状态 “{state_name}” 在等顾客回答，但没有 on 规则接住回答：顾客回什么都走不下去"))
            if state.next and state.next[-1].when is not None and written is None:  # partial: a move left out
                problems.append(doc.problem((*base, "next"),
                                            "next 的最后一条不能带 when，否则条件都不满足时会卡住"))
        if written is None and not broken:
            problems.extend(self._graph(name, spec, doc))
        return problems

    def _check_trigger(self, doc: Document, path: Path_, rule: Transition, state: State, partial: bool = False
                       ) -> list[Problem]:
        problems = []
        for intent in rule.intent or ():
            if self.intents is not None and intent not in self.intents:
                problems.append(doc.problem((*path, "intent"), f"没有意图 “{intent}”（knowledge/intents.yaml）；"
                                                               f"{one_of(intent, self.intents)}"))
        for faq in rule.faq or ():
            if self.faq_ids is not None and faq != "any" and faq not in self.faq_ids:
                problems.append(doc.problem((*path, "faq"), f"没有 FAQ “{faq}”（knowledge/faq.yaml）；"
                                                            f"{one_of(faq, self.faq_ids)}"))
        for question in rule.reveals or ():
            if self.codebook is not None and question != "any" and question not in self.codebook.questions:
                problems.append(doc.problem((*path, "reveals"), f"编码本里没有题目 “{question}”；"
                                                                f"{one_of(question, self.codebook.questions)}"))
        for option in rule.option or ():
            if state.ask is None:
                if not partial:  # in a partial flow, an ask written wrong was taken away
                    problems.append(doc.problem((*path, "option"), "这个状态没有 ask，不能按选项跳转"))
            elif option != "any" and (labels := self._labels(state)) is not None and option not in labels:
                problems.append(doc.problem((*path, "option"), f"ask 里没有选项 “{option}”；{one_of(option, labels)}"))
        return problems

    def _labels(self, state: State) -> set[str] | None:
        assert state.ask is not None
        if state.ask.code is None:
            return set(state.ask.options) | {SOMEONE_ELSE}
        if self.codebook is None:  # the codebook did not load
            return None
        question = self.codebook.questions.get(state.ask.code)
        if question is None:  # reported once, at ask.code
            return {*PSEUDO_OPTIONS, *(r for rule in state.on for r in rule.option or ())}
        return {o.label for o in question.options.values()} | PSEUDO_OPTIONS

    def _check_evidence(self, doc: Document, path: Path_, kinds: list[str]) -> list[Problem]:
        known = self.evidence
        return [doc.problem((*path, "evidence"), f"knowledge/policy.yaml 里没有证据类型 “{kind}”；"
                                                 f"{one_of(kind, known)}")
                for kind in kinds if known is not None and kind not in known]

    def _check_when(self, doc: Document, path: Path_, when: When | None) -> list[Problem]:
        if when is None or not self.complete:
            return []
        problems = []
        for field_name in ("tags_any", "tags_all", "tags_none"):
            for tag in getattr(when, field_name):
                if tag not in self.tags:
                    problems.append(doc.problem((*path, field_name), f"标签 “{tag}” 没有任何流程会打上，编码本里也没有"
                                                                     f"（写错了吗？）；{one_of(tag, self.tags)}"))
        for slot, value in when.slot.items():
            if slot not in self.slots:
                problems.append(doc.problem((*path, "slot"), f"变量 “{slot}” 没有任何流程会设置（写错了吗？）；"
                                                             f"{one_of(slot, self.slots)}"))
            allowed = [str(v) for v in SLOT_VALUES.get(slot, ())]
            if allowed and isinstance(value, str) and value not in ("set", "unset") and value not in allowed:
                problems.append(doc.problem((*path, "slot", slot), f"{slot} 写的是 “{value}”，引擎不会给它这个值，"
                                                                   f"这条永远对不上；{one_of(value, allowed)}"))
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
        for state_name in spec.states if spec.start in spec.states else ():  # a wrong start is reported once
            if state_name not in seen:
                problems.append(doc.problem(("states", state_name),
                                            f"状态 “{state_name}” 从 start 走不到：没有哪条 goto 通向它"))
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
