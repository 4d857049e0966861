"""Operators see their mistakes as file:line:col before customers do; nothing is half-loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.content import load_content
from tests.cli_kit import run_siyu
from tests.content_kit import problems_after

ROOT = Path(__file__).resolve().parent.parent


def _line_after(path: str, heading: str, line: str) -> int:
    """The number of the first `line` after `heading` in a bundled file: the test follows the file as it grows."""
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    return start + 1 + lines[start:].index(line)


WEEKEND_SMALLTALK = _line_after("knowledge/intents.yaml", "  chat_weekend:", "    smalltalk: true")
NOTHING_FITS_SAY = _line_after("flows/recommend.yaml", "  nothing_fits:", "    say: recommend.nothing_fits")
LATE_OVER = next(number for number, text in enumerate(  # faq.yaml grows in the middle too (a follows line)
    (ROOT / "knowledge/faq.yaml").read_text(encoding="utf-8").splitlines(), 1) if "over: [order_status]" in text)
LATE_ALONGSIDE, ALONGSIDE_COLUMN = next((number, text.index("alongside: [") + len("alongside: [") + 1) for number, text in
                                       enumerate((ROOT / "knowledge/faq.yaml").read_text(encoding="utf-8").splitlines(), 1)
                                       if "alongside: [order_status" in text)


def test_bundled_content_is_clean() -> None:
    content = load_content(ROOT)
    assert set(content.flows) == {"welcome", "icebreak", "survey", "recommend"}
    assert set(content.codebook.questions) == {"skin", "concern", "goal", "budget", "stage"} and content.policy.flow == "recommend"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("flows/survey.yaml", "goto: concern", "goto: concren", "flows/survey.yaml:34:15: goto 指向不存在的状态 “concren”"),
        ("flows/survey.yaml", "say: survey.skin\n", "say: survey.skn\n", "flows/survey.yaml:30:10: 文案 “survey.skn” 在人设"),
        ("flows/survey.yaml", "intent: affirm", "intent: afirm", "flows/survey.yaml:13:17: 没有意图 “afirm”"),
        ("flows/survey.yaml", "      - option: any\n        goto: done", "      - option: 想解诀\n        goto: done",
         "ask 里没有选项 “想解诀”"),
        ("flows/survey.yaml", "ask: {code: skin,", "ask: {code: skn,", "flows/survey.yaml:31:17: 编码本里没有题目 “skn”"),
        ("flows/survey.yaml", "reveals: any", "reveals: [skn]", "flows/survey.yaml:22:18: 编码本里没有题目 “skn”"),
        ("flows/welcome.yaml", "flow: icebreak", "flow: icebrake", "flows/welcome.yaml:47:15: 没有流程 “icebrake”"),
        ("flows/recommend.yaml", "when: {slot: {asked: true}}", "when: {slot: {asked: true}, tags_none: [冷談]}",
         "标签 “冷談” 没有任何流程会打上"),
        ("flows/recommend.yaml", "{slot: {decision: recommend}}", "{slot: {decison: recommend}}", "变量 “decison” 没有任何流程会设置"),
        ("flows/recommend.yaml", "      - when: {slot: {decision: recommend}}\n", "      - when: {slot: {decision: recomend}}\n",
         "flows/recommend.yaml:22:33: decision 写的是 “recomend”，引擎不会给它这个值，这条永远对不上；是不是 recommend？"),  # QA 12
        ("flows/recommend.yaml", "evidence: refusal        #", "evidence: refusl        #", "没有证据类型 “refusl”"),
        ("flows/survey.yaml", "      - option: any\n        goto: concern\n      - option: unknown\n        say: survey.unknown\n"
         "        goto: concern\n", "      - option: any\n        end: true\n", "状态 “concern” 从 start 走不到"),
        ("flows/icebreak.yaml", "    say: icebreak.chat\n", "    say: icebreak.chat\n    sya: x\n",
         "flows/icebreak.yaml:55:5: 状态 chat 的 sya: 不认识的字段 “sya”；是不是 say？"),
        ("flows/icebreak.yaml", "start: hello", "start: [hello", "flows/icebreak.yaml:3:8: YAML 语法错误"),
        ("flows/welcome.yaml", "      - intent: deny\n", "      - silence: 1 day\n", "时长写法不对"),
        ("flows/survey.yaml", "mark: surveyed", "mark: surveyd", "mark “surveyd” 不认识"),
        ("knowledge/followups.yaml", "say: followup.tip\n", "say: followup.tpi\n",
         "knowledge/followups.yaml:29:14: 文案 “followup.tpi” 在人设 xiaowanzi 里不存在"),
        ("knowledge/followups.yaml", "window: 4d-7d", "window: 7d-4d", "knowledge/followups.yaml:28:17: plans.seeds.steps 里的条目 value 的 window"),
        ("knowledge/followups.yaml", "by: concern", "by: concren", "knowledge/followups.yaml:30:13: 变量 “concren” 没有任何流程会设置"),
        ("knowledge/followups.yaml", "tags_none: [冷淡]}\n        why: 加好友后第1天", "tags_none: [冷談]}\n        why: 加好友后第1天",
         "标签 “冷談” 没有任何流程会打上"),
        ("knowledge/followups.yaml", "start_on: purchased", "start_on: bought", "start_on 只能是"),
        ("knowledge/followups.yaml", "stop_on: [purchased]", "stop_on: [bought]", "stop_on 只能是"),
        ("knowledge/followups.yaml", "quiet_hours: \"21:00-09:00\"", "quiet_hours: \"21:00-25:00\"", "quiet_hours 写法不对"),
        ("knowledge/followups.yaml", "      - id: value\n", "      - id: care\n", "步骤 id 重复了：care"),
        ("knowledge/followups.yaml", "请在企业微信里发给客户 {customer}", "请发给 {custmer}", "staff_task 里的变量 {custmer} 不认识"),
        ("knowledge/followups.yaml", "        after: purchased\n", "        after: paid\n", "after 只能是"),
        ("knowledge/followups.yaml", "repeat: 30d", "repeat: 0s", "knowledge/followups.yaml:42:17: plans.seeds.steps 里的条目 periodic 的 repeat"),
        ("knowledge/followups.yaml", "repeat: 30d", "repeat: 12h", "repeat “12h” 太短"),
        ("knowledge/followups.yaml", "repeat: 30d", "repeat: 401d", "repeat “401d” 太长"),
        ("knowledge/followups.yaml", "window: 1d-2d", "window: 1d-401d", "knowledge/followups.yaml:23:17: plans.seeds.steps 里的条目 care 的 window"),
        ("knowledge/followups.yaml", "window: 1d-2d", "window: 1d-99999999999999999999d", "太长"),
        ("knowledge/followups.yaml", "{reason}", "{reasons", "knowledge/followups.yaml:12:13: staff_task 的花括号不对"),
        ("knowledge/followups.yaml", "{reason}", "{reason!z}", "knowledge/followups.yaml:12:13: staff_task 填不进去"),
        ("knowledge/followups.yaml", "{reason}", "{reason:d}", "knowledge/followups.yaml:12:13: staff_task 填不进去"),
        ("knowledge/followups.yaml", "{reason}", "{}", "staff_task 里的变量 {} 不认识"),
        ("knowledge/followups.yaml", "{reason}", "{reason.upper}", "staff_task 里的变量 {reason.upper} 不认识"),
        ("knowledge/followups.yaml", "        flow: recommend\n", "        flow: recomend\n", "没有流程 “recomend”"),
        ("knowledge/followups.yaml", "{tags_none: [冷淡], offer_allowed: true}", "{need: \"3\", offer_allowed: true}",
         "knowledge/followups.yaml:37:22: plans.seeds.steps 里的条目 offer 的 when.need: need 写法不对"),
        ("knowledge/followups.yaml", "purchase_tags: [已购]", "purchase_tags: [已够]", "标签 “已够” 没有任何流程或编码本会打上"),
        ("persona/xiaowanzi.yaml", "慢慢看不着急～", "全网第一，赶紧下单！", "persona/xiaowanzi.yaml:"),
        ("persona/xiaowanzi.yaml", "  handover:\n", "  handoff:\n", "缺少引擎要用的文案 “handover”"),
        ("persona/xiaowanzi.yaml", "  care:\n", "  cares:\n", "缺少引擎要用的文案 “care”"),  # care.痘痘 is not enough
        ("persona/xiaowanzi.yaml", "收到～我都记在", "收到～{skintype}我都记在", "变量 {skintype} 没有任何流程会设置"),
        ("knowledge/faq.yaml", "answer: 全场满59元包邮", "answer: 全网最低价，满59元包邮", "knowledge/faq.yaml:"),
        ("knowledge/intents.yaml", "  opt_out:", "  opt_outt:", "缺少必需的意图 “opt_out”"),
        ("knowledge/matching.yaml", "    - [a醇, retinol]", "    - [a醇]", "knowledge/matching.yaml:"),
        ("knowledge/matching.yaml", "    - [a醇, retinol]", "    - [a醇]", "每组同义词至少两个词"),
        ("knowledge/matching.yaml", "  👍: 好的", "  好: 好的", "knowledge/matching.yaml:"),
        ("knowledge/matching.yaml", "  👍: 好的", "  👍: ''", "后面没写意思"),
        ("knowledge/matching.yaml", "    where: [在哪,", "    where: []\n    wher: [在哪,", "没有提示词"),
        ("knowledge/matching.yaml", "  negations: [", "  negation: [", "不认识的字段"),
        ("knowledge/products.yaml", "        answer: 舒缓修护精华30ml正装是199元", "        anser: 舒缓修护精华30ml正装是199元",
         "knowledge/products.yaml:"),
        ("flows/icebreak.yaml", "      - name: true\n", "      - name: true\n        any: true\n", "只写一个触发条件"),
        ("knowledge/products.yaml", "fits: [痘痘, 油皮]", "fits: [痘痘, 油皮肤]", "clear_serum: “油皮肤” 不是编码本里的选项或标签"),
        ("knowledge/policy.yaml", "  recommend: 3 ", "  recommend: x ", "knowledge/policy.yaml:25:14: need.recommend: 应为数字"),
        ("knowledge/policy.yaml", "  window: 7d", "  window: 7 days", "knowledge/policy.yaml:30:11: budget.window: 时长写法不对"),
        ("knowledge/policy.yaml", "  recommend: 3 ", "  recommend: .inf ", "knowledge/policy.yaml:25:14: need.recommend"),
        ("knowledge/policy.yaml", "  window: 7d", "  window: 0d", "knowledge/policy.yaml:30:11: budget.window: 时长 “0d” 不能是 0"),
        ("knowledge/policy.yaml", "ask_valid: 1d", "ask_valid: 0s", "knowledge/policy.yaml:7:12: ask_valid: 时长 “0s” 不能是 0"),
        ("knowledge/codebook.yaml", "say: stage.weaned}", "say: stage.weanedd}",
         "knowledge/codebook.yaml:54:89: stage 的 moves: say “stage.weanedd” 在人设 xiaowanzi 里没有这条文案"),
        ("knowledge/policy.yaml", "answer: allergy_after_use}", "answer: allergy_after_usee}",
         "knowledge/policy.yaml:51:86: 没有 FAQ “allergy_after_usee”"),
        ("knowledge/policy.yaml", "  answer: sensitive_skin ", "  answer: sensitive_skn ",
         "knowledge/policy.yaml:71:11: 没有 FAQ “sensitive_skn”"),
        ("knowledge/policy.yaml", "answer: baby_skin}", "answer: baby_skn}",
         "knowledge/policy.yaml:83:53: 没有 FAQ “baby_skn”"),
        ("knowledge/policy.yaml", "safe_gift: [hydra_toner,", "safe_gift: [hydra_tonr,",
         "knowledge/policy.yaml:87:13: 没有商品 “hydra_tonr”"),
        ("knowledge/policy.yaml", "  answer: sample_trial", "  answer: sample_trail",
         "knowledge/policy.yaml:90:11: 没有 FAQ “sample_trail”"),
        ("knowledge/policy.yaml", "  me_answer: teen_use", "  me_answer: teen_uses",
         "knowledge/policy.yaml:85:14: 没有 FAQ “teen_uses”"),
        ("knowledge/policy.yaml", "forget_after: 30d", "forget_after: 0m", "need.forget_after: 时长 “0m” 不能是 0"),
        ("knowledge/policy.yaml", "after_offer: [another]", "after_offer: [anotherr]",
         "knowledge/policy.yaml:10:131: 没有意图 “anotherr”"),
        ("knowledge/policy.yaml", "low: [预算有限]", "low: [预算有线]",
         "knowledge/policy.yaml:40:9: “预算有线” 不是编码本里的选项或标签"),
        ("knowledge/followups.yaml", "churn_rate: 0.05", "churn_rate: .nan", "knowledge/followups.yaml:14:15: pushy_alarm.churn_rate"),
        ("knowledge/policy.yaml", "flow: recommend ", "flow: recomend ", "knowledge/policy.yaml:4:7: 没有流程 “recomend”"),
        ("knowledge/policy.yaml", "concern: concern ", "concern: concren ", "knowledge/policy.yaml:5:10: 编码本里没有题目 “concren”"),
        ("knowledge/policy.yaml", "  refusal: {weight: -3}", "", "knowledge/policy.yaml:10:3: evidence 缺少 refusal"),
        ("knowledge/policy.yaml", "intents: [cold]", "intents: [cool]", "knowledge/policy.yaml:19:34: 没有意图 “cool”"),
        ("knowledge/policy.yaml", "fit: {concern: 3, skin: 2}", "fit: {concern: 3, skn: 2}", "编码本里没有题目 “skn”"),
        ("knowledge/faq.yaml", "over: [order_status]", "over: [order_statuss]",
         f"knowledge/faq.yaml:{LATE_OVER}:38: 没有 id 为 “order_statuss” 的 FAQ"),
        ("knowledge/matching.yaml", "  逗印: 痘印", "  逗印: 痘印\n  逗逗: 痘痘", "“逗逗” 读的时候会变成 “逗”"),
        ("knowledge/faq.yaml", "alongside: [order_status,", "alongside: [order_statusx,",
         f"knowledge/faq.yaml:{LATE_ALONGSIDE}:{ALONGSIDE_COLUMN}: 没有 id 为 “order_statusx” 的 FAQ"),
        ("knowledge/codebook.yaml", "互动: [新客, 冷淡]", "互动: [新客, 油皮]", "knowledge/codebook.yaml:62:12: 标签 “油皮” 重复了"),
        ("knowledge/codebook.yaml", "      A: {label", "      A-1: {label", "knowledge/codebook.yaml:32:7: questions.goal.options: 编码 “A-1”"),
        ("knowledge/codebook.yaml", "evidence: want}", "evidence: wnat}", "knowledge/codebook.yaml:35:109: knowledge/policy.yaml 里没有证据类型 “wnat”"),
        ("knowledge/codebook.yaml", "    group: 需求程度", "    group: 肤质", "标签组 “肤质” 已被 skin 使用"),
        ("knowledge/codebook.yaml", "answers: [油, 出油", "answers: [干, 出油",
         "knowledge/codebook.yaml:16:34: “干” 在 skin 的选项 1 和 2 里都有"),
        ("knowledge/codebook.yaml", "answers: [油, 出油", "answers: [干皮, 出油", "“干皮” 在 skin 的选项 1 和 2 里都有"),
        ("knowledge/codebook.yaml", "mentions: [大油田", "mentions: [脸很干", "“脸很干” 在 skin 的选项 1 和 2 里都有"),
        ("persona/xiaowanzi.yaml", "想更懂你的皮肤一点，", "想更懂你的皮肤一点{name，", "survey.intro: 花括号没有配对"),
        ("knowledge/faq.yaml", "answer: 全场满59元包邮", "answer: 全场满59元{name}包邮", "shipping_fee: 这里的 { } 会原样发给顾客"),
        ("knowledge/faq.yaml", "- {intent: waited,", "- {intent: wated,", "intents.yaml 里没有意图 “wated”"),
        ("knowledge/faq.yaml", "after: [order_status,", "after: [order_stats,", "没有 id 为 “order_stats” 的 FAQ"),
        ("persona/xiaowanzi.yaml", "  intent.chat_weekend:\n", "  intent.chat_weekends:\n",
         f"knowledge/intents.yaml:{WEEKEND_SMALLTALK}:16: chat_weekend: 闲聊意图要有一句回应：人设 xiaowanzi 里没有 “intent.chat_weekend”"),
        ("persona/xiaowanzi.yaml", 'surname: "小{surname}"', 'surname: "{surname}先生"',
         "persona/xiaowanzi.yaml:11:10: surname “{surname}先生” 里有 “先生”：只凭一个姓看不出性别"),
    ],
)
def test_each_mistake_is_reported_where_it_was_made(content: Path, file: str, old: str, new: str,
                                                     expected: str) -> None:
    problems = problems_after(content, file, old, new)
    assert any(expected in p for p in problems), problems


def test_a_state_waiting_without_rules_is_a_dead_end(content: Path) -> None:
    rules = ("    on:\n      - option: any\n        goto: goal\n      - option: unknown\n        say: survey.unknown\n"
             "        goto: goal\n      - intent: stop_asking\n        say: survey.skip\n        end: true\n"
             "      - option: someone_else\n        say: survey.someone_else\n        goto: concern\n")
    problems = problems_after(content, "flows/survey.yaml", rules, "")
    assert any("没有 on 规则接住回答" in p and "concern" in p for p in problems), problems


def test_a_state_that_asks_and_has_no_rules_is_a_dead_end(content: Path) -> None:
    """A question said by a state with no on/next ends the flow: her answer has nowhere to go."""
    problems = problems_after(content, "persona/xiaowanzi.yaml", "先把基础的清洁保湿做好就很棒了🌸",
                              "要不要先说说你最想解决什么？🌸")
    assert [p for p in problems if "没有 on 规则接住回答" in p] == [
        f"flows/recommend.yaml:{NOTHING_FITS_SAY}:10: 状态 “nothing_fits” 问了顾客一句（recommend.nothing_fits：“暂时没有特别对症的，"
        "我不乱推荐啦～要不要先说说你最想解决什么？🌸”），却没有 on 规则接住回答、也没有 next：说完流程就结束了，"
        "顾客怎么回答都接不上。加上 on 规则（比如 any: true），或把这句改成不用回答的话"], problems


def test_a_closing_line_or_a_handover_without_rules_is_not_a_dead_end(content: Path) -> None:
    (content / "flows" / "extra.yaml").write_text(
        "start: a\nstates:\n  a:\n    say: recommend.nothing_fits\n    next: b\n"
        "  b:\n    say: survey.intro\n    handover: true\n", encoding="utf-8")
    assert "extra" in load_content(content).flows  # a statement ends the flow; a person answers the question


def test_a_loop_of_next_moves_is_refused(content: Path) -> None:
    flow = content / "flows" / "loop.yaml"
    flow.write_text("start: a\nstates:\n  a:\n    next: b\n  b:\n    next: a\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(content)
    assert any("死循环" in str(p) and str(p).startswith("flows/loop.yaml:4:") for p in caught.value.problems)


def test_siyu_check_exit_codes(content: Path) -> None:
    ok = run_siyu("check", str(content))
    assert ok.returncode == 0 and ok.stdout.startswith("OK")
    problems_after(content, "flows/survey.yaml", "goto: concern", "goto: nowhere")
    bad = run_siyu("check", str(content))
    assert bad.returncode == 1
    assert "flows/survey.yaml:34:15: goto 指向不存在的状态 “nowhere”" in bad.stdout


def test_siyu_diagram_draws_every_rule() -> None:
    done = run_siyu("diagram", "survey")
    done.check_returncode()
    out = done.stdout
    assert out.startswith("stateDiagram-v2")
    assert "goal --> done: option unknown" in out
    assert "done --> flow_recommend" in out


def test_siyu_diagram_writes_conditions_as_the_flow_does_not_as_python() -> None:
    done = run_siyu("diagram", "recommend")
    done.check_returncode()
    out = done.stdout
    assert "gate --> which_concern: when decision=ask_first, question=concern" in out
    assert "gate --> [*]: when asked=true, avoided set" in out
    assert not any(mark in out for mark in ("{", "}", "True", "'")), out


def test_a_diagram_shows_comparisons_and_lists_as_written() -> None:
    from bot.engine.flows import FlowFile
    from bot.tools.diagram import mermaid

    spec = FlowFile.model_validate({"start": "a", "states": {"a": {"on": [
        {"any": True, "goto": "a", "when": {"tags_any": ["冷淡", "已购"], "slot": {"count": "< 2"}, "score": ">= 90"}}]}}})
    assert "    a --> a: any; when tags_any=冷淡/已购, count＜2, score≥90" in mermaid(spec).splitlines()


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("knowledge/codebook.yaml", "questions:", "questions: [", "knowledge/codebook.yaml:"),
        ("knowledge/policy.yaml", "concern: concern ", "concern: [concern ", "knowledge/policy.yaml:5:10:"),
        ("knowledge/followups.yaml", "quiet_hours: \"21:00-09:00\"", "quiet_hours: \"21:00-09:00", "knowledge/followups.yaml:"),
    ],
)
def test_broken_yaml_in_the_sales_files_is_reported_with_file_and_line(content: Path, file: str, old: str,
                                                                       new: str, expected: str) -> None:
    problems = problems_after(content, file, old, new)
    assert len(problems) == 1 and problems[0].startswith(expected) and "YAML 语法错误" in problems[0], problems
    bad = run_siyu("check", str(content))
    assert bad.returncode == 1 and problems[0] in bad.stdout


def test_a_missing_policy_is_named_a_missing_codebook_is_pointed_at_and_no_followups_means_no_plans(
        content: Path) -> None:
    policy = content / "knowledge" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.unlink()
    assert problems_after(content, "flows/icebreak.yaml", "", "") == [
        "knowledge/policy.yaml:1:1: 缺少文件 policy.yaml：克制推荐的规则写在这个文件里"]
    policy.write_text(text, encoding="utf-8")
    (content / "knowledge" / "followups.yaml").unlink()
    assert load_content(content).plans.plans == {}  # the bot never writes first
    (content / "knowledge" / "codebook.yaml").unlink()
    with pytest.raises(ContentError) as caught:
        load_content(content)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith("knowledge/policy.yaml:5:10: 编码本里没有题目 “concern”") for p in problems), problems
    assert all("编码本" in p for p in problems), problems


UNITS = "单位写 s（秒）、m（分钟）、h（小时）或 d（天），例如 3d、12h、30m"


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "what"),
    [
        ("flows/welcome.yaml", "  invite:\n    on:\n", "  invite:\n    on:\n      - silence: 3\n        end: true\n",
         "flows/welcome.yaml:46:18: 状态 invite 的第 1 条 on 的 silence:", "时长 “3” 缺少单位"),
        ("flows/welcome.yaml", "  invite:\n    on:\n", "  invite:\n    on:\n      - silence: \"3\"\n        end: true\n",
         "flows/welcome.yaml:46:18: 状态 invite 的第 1 条 on 的 silence:", "时长 “3” 缺少单位"),
        ("knowledge/policy.yaml", "session_gap: 30m ", "session_gap: 30 ", "knowledge/policy.yaml:6:14: session_gap:",
         "时长 “30” 缺少单位"),
        ("knowledge/policy.yaml", "after: 2d}", "after: 2}", "knowledge/policy.yaml:20:32: evidence.silence.after:",
         "时长 “2” 缺少单位"),
        ("knowledge/policy.yaml", "forget_after: 30d", "forget_after: 30", "knowledge/policy.yaml:24:17:",
         "时长 “30” 缺少单位"),
        ("knowledge/followups.yaml", "repeat: 30d", "repeat: 30", "knowledge/followups.yaml:42:17:",
         "时长 “30” 缺少单位"),
        ("knowledge/followups.yaml", "window: 3d-5d", "window: 3-5", "knowledge/followups.yaml:51:17:",
         "window “3-5” 缺少单位"),
        ("knowledge/followups.yaml", "window: 3d-5d", "window: 3", "knowledge/followups.yaml:51:17:",
         "window “3” 缺少单位"),
        ("knowledge/followups.yaml", "after: purchased", "after: 3", "knowledge/followups.yaml:50:16:",
         "after 是从哪个事件算起"),
    ],
)
def test_a_bare_number_for_a_duration_says_a_unit_is_needed_and_which(content: Path, file: str, old: str, new: str,
                                                                       where: str, what: str) -> None:
    problems = problems_after(content, file, old, new)
    assert len(problems) == 1, problems
    assert problems[0].startswith(where) and what in problems[0] and UNITS in problems[0], problems
    assert "应为文字" not in problems[0]  # not pydantic's "expected text"


def test_siyu_check_tells_the_operator_which_units_a_duration_takes(content: Path) -> None:
    problems_after(content, "knowledge/followups.yaml", "repeat: 30d", "repeat: 30")
    bad = run_siyu("check", str(content))
    assert bad.returncode == 1
    assert f"knowledge/followups.yaml:42:17: plans.seeds.steps 里的条目 periodic 的 repeat: 时长 “30” 缺少单位：{UNITS}" in bad.stdout


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ("start: hello", "start: hello\n\tx: 1", "Tab"),
        ("start: hello", "start: hello: x", "第二个“: ”"),
        ("start: hello", "start: [hello", "方括号 [ ] 没有配对"),
        ("start: hello", "start: \"hello", "引号没有配对"),
    ],
)
def test_a_yaml_syntax_error_says_in_chinese_what_to_look_for(content: Path, old: str, new: str, hint: str) -> None:
    problems = problems_after(content, "flows/icebreak.yaml", old, new)
    assert len(problems) == 1 and "YAML 语法错误" in problems[0] and hint in problems[0], problems


def test_an_unknown_question_kind_in_not_asked_as_is_reported(content: Path) -> None:
    problems = problems_after(content, "knowledge/faq.yaml", "not_asked_as: [can]", "not_asked_as: [cna]")
    assert any("knowledge/faq.yaml:" in p and "没有问题类型 “cna”" in p for p in problems), problems


def test_an_unless_word_inside_a_keyword_of_its_intent_is_reported(content: Path) -> None:
    problems = problems_after(content, "knowledge/intents.yaml", "unless: [太贵, 贵的,", "unless: [别推, 太贵, 贵的,")
    assert any("knowledge/intents.yaml:" in p and "unless 里的 “别推” 就在关键词 “别推” 里" in p for p in problems), problems


def test_siyu_check_reports_on_stdout_so_a_pipe_shows_it(content: Path) -> None:
    """`siyu check | less`: the problems and the count are what was asked for, on stdout; exit code 1."""
    problems_after(content, "flows/survey.yaml", "goto: concern", "goto: nowhere")
    piped = subprocess.run(f'"{sys.executable}" -m bot check "{content}" | cat', shell=True, capture_output=True,
                           text=True)
    assert "flows/survey.yaml:34:15: goto 指向不存在的状态 “nowhere”" in piped.stdout
    assert piped.stdout.splitlines()[-1].startswith("1 个问题，内容没有加载")
    assert [line for line in piped.stderr.splitlines() if not line.startswith("内容目录: ")] == [], piped.stderr
    bad = run_siyu("check", str(content))
    assert bad.returncode == 1 and bad.stdout == piped.stdout
