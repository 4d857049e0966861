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

from bot.content.source import ContentError
from bot.engine.draft import DEFAULT_PERSONA, Draft, read_draft
from bot.engine.machine import CompiledFlow
from bot.engine.persona import Persona, Rules
from bot.followups.plans import FollowupFile
from bot.moderation.detector import Detector
from bot.policy.evidence import NeedReader
from bot.policy.spec import Policy
from bot.profile.codebook import Codebook
from bot.understanding.knowledge import assemble_knowledge
from bot.understanding.matcher import Understanding
from bot.understanding.names import topic_words
from bot.understanding.naming import ProductNames
from bot.understanding.phrases import BUILTIN_NEGATIONS, Phrases

__all__ = ["DEFAULT_PERSONA", "Content", "build_content", "content_version", "load_content"]


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
    """Load root/{knowledge,persona,flows}; raise ContentError with every problem found (draft.py)."""
    return build_content(read_draft(root, persona))


def build_content(draft: Draft) -> Content:
    """The content of a draft that has no problems; ContentError (with every problem) otherwise."""
    if draft.problems:
        raise ContentError(draft.problems, draft.note())
    knowledge = assemble_knowledge(draft.knowledge)
    codebook, policy, flows, personas, rules = draft.codebook, draft.policy, draft.flows, draft.personas, draft.rules
    assert codebook is not None and policy is not None
    root, default, plans, moderation = draft.root, draft.default_persona, draft.plans, draft.moderation
    understanding = Understanding(knowledge)
    language = knowledge.language
    phrases = Phrases(understanding.normalize, language.negations or BUILTIN_NEGATIONS, language.filler)
    survey_words = [w for q in codebook.questions.values() for o in q.options.values()
                    for w in (o.label, *o.answers, *o.mentions)]
    topics = topic_words(knowledge, survey_words, understanding.normalize)
    compiled = {name: CompiledFlow(name, spec, understanding.normalize, codebook, understanding.understand,
                                   phrases, topics, ProductNames(knowledge.products, understanding.normalize))
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
