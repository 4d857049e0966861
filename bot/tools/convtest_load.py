"""Reading conversation test files (flows/tests/*.yaml) for `siyu test` and `siyu check`: every mistake is one line
at file:line:col, counted from 1 as an editor and an operator count (第 1 个测试 第 2 步, not tests.0.steps.1).

Besides the schema (an unknown key is an error naming the keys that can be written there), what a step expects
is checked against the content when it is given: an `expect` item that no message can carry (a persona key, FAQ,
product that does not exist), a `state` or `followup` nowhere in the content, a `codes` question the codebook
does not ask, a `profile` field the profile does not have. Such a step could only fail, or — `codes: {concren:
null}`, `profile: {opted_outt: null}` — pass whatever the bot does.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import TYPE_CHECKING

from bot.content.source import ContentError, Document, Path_, Problem, load_document, validate
from bot.content.suggest import maybe, one_of
from bot.profile.model import Profile
from bot.tools.convtest_schema import TestCase, TestFile, TestStep

if TYPE_CHECKING:
    from bot.engine.content import Content

Cases = list[tuple[str, TestCase, list[int]]]

# labels a message carries that are no persona key: the kf link card of a contact welcome
ENGINE_LABELS = frozenset({"kf_card"})
NAME_SHOWN = 24  # characters of a test's name said with its mistakes (the bundled ones run to 60)
_LEVELS: tuple[tuple[str, type[TestFile] | type[TestCase] | type[TestStep]], ...] = (
    ("文件", TestFile), ("测试", TestCase), ("步", TestStep))
_WHERE = re.compile(r"^tests\.(\d+)(?:\.steps\.(\d+))?((?:\.[^.:\s]+)*): ")


def load_cases(path: Path, content: Content | None = None) -> Cases:
    """The cases of a test file, or of every *.yaml of a folder; ContentError with every problem of all of them."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    problems: list[Problem] = []
    cases: Cases = []
    for file in files:
        read, found = read_test_file(file, str(file), content)
        cases += read
        problems += found
    if problems:
        raise ContentError(problems)
    return cases


def read_test_file(path: Path, display: str, content: Content | None = None) -> tuple[Cases, list[Problem]]:
    """(the file's cases, its problems): the cases only when there are no problems."""
    try:
        document = load_document(path, display)
    except ContentError as error:
        return [], error.problems
    try:
        parsed = validate(TestFile, document)
    except ContentError as error:
        return [], [_counted(problem, document.data) for problem in error.problems]
    problems = references(parsed, document, content) if content is not None else []
    if problems:
        return [], problems
    cases = []
    for index, case in enumerate(parsed.tests):
        lines = [document.where(("tests", index, "steps", n))[0] for n in range(len(case.steps))]
        cases.append((display, case, lines))
    return cases, []


def _counted(problem: Problem, data: object) -> Problem:
    """tests.0.steps.1.expct: … → 第 1 个测试 “名字” 第 2 步的 expct: …, and an unknown key says what can be written."""
    found = _WHERE.match(problem.message)
    message = problem.message
    level = 0
    if found:
        case, step, rest = int(found[1]), found[2], found[3]
        level = 2 if step is not None else 1
        message = f"{_step_name(data, case, None if step is None else int(step))}" + (
            f"的 {_parts(rest)}" if rest else "") + ": " + message[found.end():]
    if "不认识的字段" in message and "可以写：" not in message:
        name, model = _LEVELS[level]
        fields = " ".join(info.alias or key for key, info in model.model_fields.items())
        message += f"（这一{'个' if level < 2 else ''}{name}能写的字段：{fields}）"
    return dataclasses.replace(problem, message=message)


def _step_name(data: object, case: int, step: int | None) -> str:
    tests = data.get("tests") if isinstance(data, dict) else None
    item = tests[case] if isinstance(tests, list) and 0 <= case < len(tests) else None
    name = item.get("name") if isinstance(item, dict) else None
    shown = name.strip() if isinstance(name, str) else ""
    shown = shown if len(shown) <= NAME_SHOWN else shown[:NAME_SHOWN] + "…"  # enough to find it by
    named = f"第 {case + 1} 个测试" + (f"（{shown}）" if shown else "")
    return named + (f"第 {step + 1} 步" if step is not None else "")


def _parts(rest: str) -> str:
    return " ".join(f"第 {int(part) + 1} 项" if part.isdigit() else part for part in rest.strip(".").split("."))


def references(parsed: TestFile, document: Document, content: Content) -> list[Problem]:
    """What the steps expect that the content cannot give (see the module's docstring)."""
    problems = []
    products = {p.id for p in content.understanding.knowledge.products}
    faqs = {entry.id for entry in content.understanding.knowledge.faq}
    states = {""} | {f"{name}.{state}" for name, flow in content.flows.items() for state in flow.spec.states}
    steps = {""} | {f"{name}.{step.id}" for name, plan in content.plans.plans.items() for step in plan.steps}
    questions = set(content.codebook.questions)
    fields = {f.name for f in dataclasses.fields(Profile)} | {
        name for name, value in vars(Profile).items() if isinstance(value, property)}
    for case_index, case in enumerate(parsed.tests):
        for step_index, step in enumerate(case.steps):
            base: Path_ = ("tests", case_index, "steps", step_index)
            where = _step_name(document.data, case_index, step_index)

            def add(path: Path_, message: str, base: Path_ = base, where: str = where, key: bool = False) -> None:
                place = document.key_problem if key else document.problem  # a key written wrong: at the key
                problems.append(place((*base, *path), f"{where}的 {message}"))

            for number, expected in enumerate(step.expect or []):
                said = _unknown_label(expected, content, faqs, products)
                if said:
                    add(("expect", number), f"expect 第 {number + 1} 项: {said}")
            if step.state is not None and step.state not in states:
                add(("state",), f"state: 没有状态 “{step.state}”（写 流程.状态，\"\" = 不在流程里）"
                                f"{maybe(step.state, states - {''}, cutoff=0.6) or '；' + one_of(step.state, states)}")
            if step.followup is not None and step.followup not in steps:
                add(("followup",), f"followup: 没有跟进 “{step.followup}”（写 计划.步骤，\"\" = 没有）；"
                                   f"{one_of(step.followup, steps - {''})}")
            for question in step.codes or {}:
                if question not in questions:
                    add(("codes", question), f"codes: 编码本里没有题目 “{question}”；{one_of(question, questions)}",
                        key=True)
            for name in step.profile or {}:
                if name not in fields:
                    hint = (f"{name} 是编码本的题目：写在 codes 里（codes: {{{name}: …}}）" if name in questions
                            else one_of(name, fields))
                    add(("profile", name), f"profile: 顾客档案没有字段 “{name}”；{hint}", key=True)
    return problems


def _unknown_label(expected: str, content: Content, faqs: set[str], products: set[str]) -> str:
    """Why no message can carry `expected` ("" when one can)."""
    if expected.startswith("~") or expected in ENGINE_LABELS:
        return ""
    kind, colon, rest = expected.partition(":")
    if colon and kind == "faq":
        return "" if rest in faqs else f"没有 FAQ “{rest}”（knowledge/faq.yaml 的 id）{maybe(rest, faqs, cutoff=0.6)}"
    if colon and kind in ("card", "product"):
        product = rest.split("#", 1)[0]
        return "" if product in products else (f"没有商品 “{product}”（knowledge/products.yaml 的 id）；"
                                               f"{one_of(product, products)}")
    personas = content.personas.values()
    if any(persona.has(expected) for persona in personas):
        return ""
    keys = {key for persona in personas for key in persona.messages}
    return (f"“{expected}” 不是人设里的文案，也不是 faq:<id>、card:<商品>、product:<商品>#<第几条> 或 ~正则"
            f"{maybe(expected, keys, cutoff=0.6)}")


def nothing_to_run(path: Path) -> str:
    misnamed = sorted(p.name for p in path.glob("*.yml")) if path.is_dir() else []
    hint = f"；{'、'.join(misnamed)} 的扩展名是 .yml，改成 .yaml 才会运行" if misnamed else ""
    return f"没有找到对话测试：{path} 里一条也没有（测试文件是 *.yaml，在 tests: 下面写）{hint}"
