"""All operator content of one deployment, loaded and cross-checked as one unit.

Either everything loads and every reference resolves, or nothing is used and every problem is
reported as file:line:col. The result is immutable and carries a version, so a customer in the middle
of a flow can finish it on the content they started with while newer content serves everyone else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bot.content.source import ContentError, Document, Problem, load_document, validate
from bot.engine.checks import FlowChecker, check_persona, check_sales
from bot.engine.flows import FlowFile
from bot.engine.knowledge_checks import check_answer_keys, lint_knowledge
from bot.engine.machine import CompiledFlow
from bot.engine.persona import BUILTIN_VARIABLES, Persona, PersonaFile, Rules
from bot.followups.plans import FollowupFile, load_plans
from bot.moderation.detector import Detector
from bot.moderation.load import ModerationContent, load_moderation
from bot.policy.evidence import NeedReader
from bot.policy.spec import Policy, load_policy
from bot.profile.codebook import Codebook, load_codebook
from bot.understanding.knowledge import load_knowledge
from bot.understanding.matcher import Understanding
from bot.understanding.phrases import BUILTIN_NEGATIONS, Phrases

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
    codebook: Codebook
    policy: Policy
    need: NeedReader
    plans: FollowupFile = field(default_factory=FollowupFile)  # knowledge/followups.yaml
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
    codebook: Codebook | None = None
    try:
        codebook = load_codebook(root / "knowledge", root)
    except ContentError as error:
        problems.extend(error.problems)
    policy: tuple[Policy, Document] | None = None
    try:
        policy = load_policy(root / "knowledge", root)
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
    assert knowledge is not None and codebook is not None and policy is not None
    checker = FlowChecker(knowledge.intents.keys(), {e.id for e in knowledge.faq}, flows, codebook, policy[0])
    problems.extend(checker.check_flows())
    problems.extend(check_sales(policy, codebook, knowledge, flows, root))
    slots = checker.slots | BUILTIN_VARIABLES | set(codebook.questions)
    for persona_obj, document in personas.values():
        problems.extend(check_persona(persona_obj, document, rules, checker.keys_used, slots))
    plans = load_plans(root, {name: p for name, (p, _) in personas.items()}, slots, checker.tags, set(flows),
                       problems)
    problems.extend(check_answer_keys(root, [p for p, _ in personas.values()]))
    problems.extend(lint_knowledge(root, rules))
    if problems:
        raise ContentError(problems)

    understanding = Understanding(knowledge)
    language = knowledge.language
    phrases = Phrases(understanding.normalize, language.negations or BUILTIN_NEGATIONS, language.filler)
    compiled = {name: CompiledFlow(name, spec, understanding.normalize, codebook, understanding.understand,
                                   phrases)
                for name, (spec, _) in flows.items()}
    return Content(
        root=root,
        version=content_version(root),
        understanding=understanding,
        personas={name: p for name, (p, _) in personas.items()},
        default_persona=default,
        rules=rules,
        flows=compiled,
        codebook=codebook,
        policy=policy[0],
        need=NeedReader(policy[0], codebook, understanding.normalize, phrases),
        plans=plans,
        moderation=Detector(moderation) if moderation is not None else None,
    )
