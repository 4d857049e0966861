"""knowledge/followups.yaml read and checked against the rest of the content: text names, flows, variables, tags
and the staff task template, each at the line that has the mistake (the schema is in plans.py)."""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping
from pathlib import Path

from bot.content.salvage import checked
from bot.content.source import ContentError, Document, Problem, load_document
from bot.content.suggest import maybe, misspelt, one_of
from bot.engine.persona import Persona
from bot.followups.plans import FILE, START, TASK_VARIABLES, FollowupFile


def load_plans(root: Path, personas: Mapping[str, Persona], slots: Collection[str] | None,
               tags: Collection[str] | None, flows: Collection[str], problems: list[Problem]) -> FollowupFile:
    """Parse and cross-check the plans; problems go to `problems` (file:line). No file means no plans.
    slots / tags None: a flow or the codebook did not load, so they are not known and not checked."""
    path = root / FILE
    if not path.is_file():
        return FollowupFile()
    try:
        document = load_document(path, FILE)
    except ContentError as error:
        problems.extend(error.problems)
        return FollowupFile()
    plans, salvaged = checked(FollowupFile, document, problems) if document.data is not None else (None, None)
    if salvaged is not None:  # a wrong step does not hide the other steps' mistakes
        problems.extend(_cross_check(*salvaged, personas, slots, tags, flows))
    return plans or FollowupFile()


def _cross_check(plans: FollowupFile, document: Document, personas: Mapping[str, Persona],
                 slots: Collection[str] | None, tags: Collection[str] | None, flows: Collection[str]) -> list[Problem]:
    problems = []
    problems.extend(_check_staff_task(plans.staff_task, document))
    for index, tag in enumerate(plans.purchase_tags):
        if tags is not None and tag not in tags:
            problems.append(document.problem(("purchase_tags", index),
                                             f"标签 “{tag}” 没有任何流程或编码本会打上"
                                             "（可以写进 knowledge/codebook.yaml 的 groups）"))
    for plan_name, plan in plans.plans.items():
        for index, step in enumerate(plan.steps):
            where = ("plans", plan_name, "steps", index)
            for persona in personas.values():
                if step.say is not None and not persona.has(step.say):
                    hint = misspelt(step.say, persona.messages, '人设') or maybe(step.say, persona.messages)
                    problems.append(document.problem((*where, "say"),
                                                     f"文案 “{step.say}” 在人设 {persona.id} 里不存在{hint}"))
            if step.flow is not None and step.flow not in flows:
                problems.append(document.problem((*where, "flow"), f"没有流程 “{step.flow}”"
                                                                   f"（没有 flows/{step.flow}.yaml）；"
                                                                   f"{one_of(step.flow, flows)}"))
            if slots is not None and step.by is not None and step.by not in slots:
                problems.append(document.problem((*where, "by"), f"变量 “{step.by}” 没有任何流程会设置（写错了吗？）；"
                                                                 f"{one_of(step.by, slots)}"))
            if step.when is not None and tags is not None:
                for field_name in ("tags_any", "tags_all", "tags_none"):
                    for tag in getattr(step.when, field_name):
                        if tag not in tags:
                            problems.append(document.problem((*where, "when", field_name),
                                                             f"标签 “{tag}” 没有任何流程会打上，编码本里也没有"
                                                             f"（写错了吗？）；{one_of(tag, tags)}"))
                for slot in step.when.slot:
                    if slots is not None and slot not in slots:
                        problems.append(document.problem((*where, "when", "slot"),
                                                         f"变量 “{slot}” 没有任何流程会设置（写错了吗？）；"
                                                         f"{one_of(slot, slots)}"))
            if step.after != START and step.after not in plan.start_on and step.after in plan.stops:
                problems.append(document.problem((*where, "after"),
                                                 f"“{step.after}” 会结束这个计划，步骤不能在它之后（永远不会到期）"))
    return problems


def _check_staff_task(template: str, document: Document) -> list[Problem]:
    """staff_task is filled with str.format when a task goes out: anything format would refuse then (an
    unknown or dotted name, a lone brace, a conversion or spec that text does not take) is refused now."""
    where = ("staff_task",)
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        return [document.problem(where, f"staff_task 的花括号不对（{error}）；"
                                        "变量写成 {reason}，花括号本身写成 {{ }}")]
    unknown = sorted(names - TASK_VARIABLES)
    if unknown:
        known = ", ".join(sorted(TASK_VARIABLES))
        return [document.problem(where, f"staff_task 里的变量 {{{name}}} 不认识；可用 {known}") for name in unknown]
    try:
        template.format(**{name: "x" for name in TASK_VARIABLES})
    except (ValueError, KeyError, IndexError, AttributeError) as error:
        return [document.problem(where, f"staff_task 填不进去：{error}")]
    return []
