"""Every content file read on its own, then cross-checked with whatever did load: one `siyu check` run reports
the syntax errors of each broken file together with the schema and reference problems of all the others.

A file that did not load (a YAML syntax error, a schema error, missing) is listed in `unread`; references into
it are not checked this time (they would all look wrong), and `note()` says so in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from bot.content.salvage import salvage
from bot.content.source import ContentError, Document, Problem, load_document, validate
from bot.content.suggest import one_of
from bot.engine.checks import FlowChecker, check_persona
from bot.engine.flows import FlowFile
from bot.engine.knowledge_checks import check_answer_keys, check_move_lines, check_smalltalk_lines, lint_knowledge
from bot.engine.open_questions import open_questions
from bot.engine.persona import BUILTIN_VARIABLES, Persona, PersonaFile, Rules
from bot.engine.sales_checks import check_sales
from bot.followups.plans import FollowupFile
from bot.followups.plans_check import load_plans
from bot.moderation.load import ModerationContent, load_moderation
from bot.policy.spec import Policy, PolicyFile, load_policy
from bot.profile.codebook import Codebook, load_codebook
from bot.understanding.knowledge_read import KnowledgeParts, read_knowledge

DEFAULT_PERSONA = "xiaowanzi"
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


@dataclass
class Draft:
    root: Path
    knowledge: KnowledgeParts
    codebook: Codebook | None
    policy: tuple[Policy, Document] | None
    personas: dict[str, tuple[Persona, Document]]
    rules: Rules
    flows: dict[str, tuple[FlowFile, Document]]
    moderation: ModerationContent | None
    default_persona: str = ""
    plans: FollowupFile = field(default_factory=FollowupFile)
    problems: list[Problem] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # files that did not load, as shown to operators
    # of those, the flows and personas as far as they are valid (and a flow as written): their other mistakes
    # are checked too, but nothing refers into them
    partial_flows: dict[str, tuple[FlowFile, Document, Document]] = field(default_factory=dict)
    partial_personas: dict[str, tuple[Persona, Document, set[str]]] = field(default_factory=dict)  # + keys written

    def note(self) -> str:
        """One line for the operator when some checks were left out because a file did not load ("" if none)."""
        if not self.unread:
            return ""
        return (f"没读通的文件：{'、'.join(sorted(set(self.unread)))}。别的文件里引用它们的地方（意图、FAQ、状态、"
                "文案、标签、变量……）这次没有检查，改好这些文件后再运行一次 siyu check")


def _attempt(load: Callable[[], T], problems: list[Problem], unread: list[str], file: str) -> T | None:
    try:
        return load()
    except ContentError as error:
        problems.extend(error.problems)
        unread.append(file)
        return None


def _read(model: type[M], path: Path, root: Path, problems: list[Problem], unread: list[str],
          partial: dict[str, tuple[M, Document, Document]] | None = None) -> tuple[M, Document] | None:
    """The file when valid; else None, and (given `partial`) the file as far as it is valid, with its own
    document and the one as written, so that its other mistakes are still checked (bot/content/salvage.py)."""
    display = str(path.relative_to(root))
    try:
        document = load_document(path, display)
    except ContentError as error:
        problems.extend(error.problems)
        unread.append(display)
        return None
    try:
        return validate(model, document), document
    except ContentError as error:
        problems.extend(error.problems)
        unread.append(display)
    if partial is not None and (salvaged := salvage(model, document)) is not None:
        partial[path.stem] = (*salvaged, document)
    return None


def read_draft(root: Path, persona: str | None = None) -> Draft:
    """Read and check everything under root; every problem found is in .problems (nothing is raised)."""
    root = root.resolve()
    problems: list[Problem] = []
    unread: list[str] = []
    knowledge = read_knowledge(root / "knowledge", root, problems)
    for name in ("faq", "intents", "products", "matching"):
        if getattr(knowledge, name) is None:
            unread.append(f"knowledge/{name}.yaml")
    codebook = _attempt(lambda: load_codebook(root / "knowledge", root), problems, unread, "knowledge/codebook.yaml")
    policy = _attempt(lambda: load_policy(root / "knowledge", root), problems, unread, "knowledge/policy.yaml")

    personas: dict[str, tuple[Persona, Document]] = {}
    partial_personas: dict[str, tuple[PersonaFile, Document, Document]] = {}
    rules: Rules | None = Rules()
    for path in sorted((root / "persona").glob("*.yaml")):
        if path.stem == "rules":
            read_rules = _read(Rules, path, root, problems, unread)
            rules = read_rules[0] if read_rules is not None else None
        elif (read := _read(PersonaFile, path, root, problems, unread, partial_personas)) is not None:
            personas[path.stem] = (Persona(path.stem, read[0]), read[1])
    if not personas and not any(p.file.startswith("persona") for p in problems):
        problems.append(Problem("persona/", 1, 1, "没有人设文件：persona/ 里至少要有一个 .yaml"))
    default = persona or (DEFAULT_PERSONA if DEFAULT_PERSONA in personas else min(personas, default=""))
    persona_files = {path.stem for path in (root / "persona").glob("*.yaml")}
    if persona and persona not in persona_files and persona_files:
        existing = "、".join(sorted(persona_files - {"rules"})) or "（没有）"
        problems.append(Problem("persona/", 1, 1, f"人设 “{persona}” 不存在（--persona 或 SIYU_PERSONA）：没有 "
                                                  f"persona/{persona}.yaml；有的人设：{existing}"))

    flows: dict[str, tuple[FlowFile, Document]] = {}
    partial_flows: dict[str, tuple[FlowFile, Document, Document]] = {}
    flow_paths = sorted((root / "flows").glob("*.yaml"))
    if not flow_paths:
        problems.append(Problem("flows/", 1, 1, "没有流程文件：flows/ 里至少要有一个 .yaml"))
    for path in flow_paths:
        if (flow := _read(FlowFile, path, root, problems, unread, partial_flows)) is not None:
            flows[path.stem] = flow

    moderation = _attempt(lambda: load_moderation(root / "knowledge", root), problems, unread,
                          "knowledge/moderation.yaml")
    draft = Draft(root, knowledge, codebook, policy, personas, rules or Rules(), flows, moderation, default,
                  problems=problems, unread=unread, partial_flows=partial_flows,
                  partial_personas={name: (Persona(name, spec), doc, _message_keys(written))
                                    for name, (spec, doc, written) in partial_personas.items()})
    _cross_check(draft, {path.stem for path in flow_paths}, rules is not None)
    return draft


def _message_keys(document: Document) -> set[str]:
    messages = document.data.get("messages") if isinstance(document.data, dict) else None
    return {str(key) for key in messages} if isinstance(messages, dict) else set()


def _partial_policy(root: Path) -> tuple[PolicyFile, Document, set[str]] | None:
    """knowledge/policy.yaml as far as it is valid, when it has a schema error, with its evidence kinds as
    written; None when it is missing or its YAML cannot be read (that problem is already reported)."""
    try:
        document = load_document(root / "knowledge" / "policy.yaml", "knowledge/policy.yaml")
    except (ContentError, OSError):
        return None
    salvaged = salvage(PolicyFile, document)
    if salvaged is None:
        return None
    written = document.data.get("evidence") if isinstance(document.data, dict) else None
    return (*salvaged, set(written) if isinstance(written, dict) else set())


def _cross_check(draft: Draft, flow_files: set[str], rules_read: bool) -> None:
    """References between files, skipping those into a file that did not load."""
    knowledge, codebook, problems = draft.knowledge, draft.codebook, draft.problems
    intents = set(knowledge.intents.intents) if knowledge.intents is not None else None
    faq_ids = {e.id for e in knowledge.faq.entries if e.enabled} if knowledge.faq is not None else None
    policy = draft.policy[0] if draft.policy is not None else None
    checker = FlowChecker(intents, faq_ids, draft.flows, codebook, policy, flow_files)
    problems.extend(checker.check_flows())
    problems.extend(checker.check_partial_flows(draft.partial_flows))
    if draft.policy is not None:  # the products valid on their own are checked even when another has a mistake
        problems.extend(check_sales(draft.policy, codebook, intents, knowledge.product_listing, flow_files,
                                    draft.root, faq_ids=faq_ids))
    elif (partial := _partial_policy(draft.root)) is not None:  # its other mistakes, and the codebook's
        spec, document, written = partial
        problems.extend(check_sales((spec, document), codebook, intents, knowledge.product_listing, flow_files,
                                    draft.root, written, faq_ids))
    if knowledge.products is not None and knowledge.product_listing is not None and faq_ids is not None:
        listing = knowledge.product_listing[1]  # 面霜: not_sold_skincare — the FAQ that says we do not sell it
        problems.extend(listing.problem(("not_carried", kind), f"not_carried 的 {kind}: 没有 FAQ “{entry}”"
                                        f"（knowledge/faq.yaml）；{one_of(entry, faq_ids)}")
                        for kind, entry in knowledge.products.not_carried.items() if entry and entry not in faq_ids)
    slots = checker.slots | BUILTIN_VARIABLES | set(codebook.questions) if checker.complete and codebook else None
    for persona_obj, document in draft.personas.values():
        problems.extend(check_persona(persona_obj, document, draft.rules, checker.keys_used, slots))
    for persona_obj, document, written in draft.partial_personas.values():
        problems.extend(check_persona(persona_obj, document, draft.rules, checker.keys_used, slots, written))
    personas = {name: p for name, (p, _) in draft.personas.items()}
    problems.extend(open_questions(draft.flows, personas.values()))
    tags = checker.tags if checker.complete else None
    draft.plans = load_plans(draft.root, personas, slots, tags, flow_files, problems)
    if "faq" in knowledge.parsed:  # what is written is checked even when another entry has a mistake
        problems.extend(check_answer_keys(draft.root, list(personas.values())))
    if knowledge.intents is not None:
        problems.extend(check_smalltalk_lines(draft.root, list(personas.values())))
    if codebook is not None:
        problems.extend(check_move_lines(draft.root, codebook, list(personas.values())))
    if rules_read:
        problems.extend(lint_knowledge(draft.root, draft.rules, knowledge.parsed & {"faq", "products"}))
