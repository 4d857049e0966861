"""Checks of the knowledge files against the persona: what an FAQ answer says, and the persona messages an FAQ
entry names (answer_key), each reported at the line of knowledge/ that has the mistake."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from bot.content.source import Document, Problem, load_document
from bot.content.suggest import maybe
from bot.engine.persona import Persona, Rules, lint_text
from bot.profile.codebook import Codebook


def lint_knowledge(root: Path, rules: Rules, files: Collection[str] = ("faq", "products")) -> list[Problem]:
    """Answers and pitches are said to customers too: the same lint applies (to those of `files` that loaded)."""
    problems = []
    for name, listing, text_field in (("faq", "entries", "answer"), ("products", "products", "pitch")):
        if name not in files:
            continue
        document = load_document(root / "knowledge" / f"{name}.yaml", f"knowledge/{name}.yaml")
        for index, item in _items(document, listing):
            text = item.get(text_field) if isinstance(item, dict) else None
            if isinstance(text, str):
                for message in lint_text(text, rules, []):
                    problems.append(document.problem((listing, index, text_field), f"{item.get('id')}: {message}"))
                if "{" in text or "}" in text:  # only persona messages fill {variables}; this goes out as written
                    problems.append(document.problem((listing, index, text_field), f"{item.get('id')}: "
                                    "这里的 { } 会原样发给顾客（变量只在人设文案里填）：要用变量请改用 answer_key"))
    return problems


def _items(document: Document, listing: str) -> list[tuple[int, Any]]:
    """The entries of the list `listing` as written (the file may have schema errors: anything can be there)."""
    items = document.data.get(listing) if isinstance(document.data, dict) else None
    return list(enumerate(items)) if isinstance(items, list) else []


def check_answer_keys(root: Path, personas: list[Persona]) -> list[Problem]:
    """An FAQ entry's answer_key must be a message of every persona (any of them may answer it): reported at
    the faq.yaml line that names it, where the typo usually is."""
    document = load_document(root / "knowledge" / "faq.yaml", "knowledge/faq.yaml")
    problems = []
    for index, item in _items(document, "entries"):
        key = item.get("answer_key") if isinstance(item, dict) else None
        if not isinstance(key, str) or not key or item.get("enabled") is False:  # a disabled entry never answers
            continue
        for persona in personas:
            if key not in persona.messages:
                problems.append(document.problem(
                    ("entries", index, "answer_key"),
                    f"{item.get('id')}: answer_key “{key}” 在人设 {persona.id} 里没有这条文案"
                    f"（persona/{persona.id}.yaml 的 messages 里加上它，或者改成已有的名字）"
                    f"{maybe(key, persona.messages)}"))
    return problems


def check_smalltalk_lines(root: Path, personas: list[Persona]) -> list[Problem]:
    """A small-talk intent (`smalltalk: true`) is answered with the persona's intent.<name>: every persona must have
    it, else small talk would get the honest "not sure"; so is a moment of her life (`moment: true`,
    engine/moments.py). Reported at the intents.yaml line that marks it."""
    document = load_document(root / "knowledge" / "intents.yaml", "knowledge/intents.yaml")
    problems = []
    for name, item in (document.data.get("intents") or {}).items():
        marked = [field for field in ("smalltalk", "moment") if isinstance(item, dict) and item.get(field) is True]
        if not marked:
            continue
        for persona in personas:
            if f"intent.{name}" not in persona.messages:
                problems.append(document.problem(
                    ("intents", name, marked[0]),
                    f"{name}: {'闲聊意图' if marked[0] == 'smalltalk' else '说到生活里的事的意图'}要有一句回应："
                    f"人设 {persona.id} 里没有 “intent.{name}”"
                    f"（persona/{persona.id}.yaml 的 messages 里加上它）"))
    return problems


def check_move_lines(root: Path, codebook: Codebook, personas: list[Persona]) -> list[Problem]:
    """A codebook move's `say` (生完了: stage.born) must be a message of every persona, else the move would happen
    without a word. Reported at the codebook line that names it."""
    missing = [(qid, number, move.say, persona) for qid, question in codebook.questions.items()
               for number, move in enumerate(question.moves)
               for persona in personas if move.say and move.say not in persona.messages]
    if not missing:
        return []
    document = load_document(root / "knowledge" / "codebook.yaml", "knowledge/codebook.yaml")
    return [document.problem(("questions", qid, "moves", number, "say"),
                             f"{qid} 的 moves: say “{say}” 在人设 {persona.id} 里没有这条文案"
                             f"（persona/{persona.id}.yaml 的 messages 里加上它）{maybe(say, persona.messages)}")
            for qid, number, say, persona in missing]
