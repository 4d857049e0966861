"""Reading survey answers in the customer's words: whose skin it is (the codebook's `others`), and an answer
that needs a little inference (an option's `together`: 夏天油冬天干 → 混合肌).
Whole conversations are in flows/tests/survey.yaml (run by test_engine via siyu test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.source import ContentError
from bot.engine.flows import SOMEONE_ELSE, UNKNOWN_OPTION
from bot.engine.options import OptionMatcher
from bot.profile.codebook import load_codebook
from bot.profile.model import Profile
from bot.profile.others import Others
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
normalize = CONTENT.understanding.normalize
PEOPLE = Others(["老公", "我妈", "妈妈", "闺蜜"], normalize)


def matcher(state: str) -> OptionMatcher:
    return CONTENT.flows["survey"].options[state]


def choose(state: str, said: str) -> str | None:
    result = CONTENT.understanding.understand(said)
    return matcher(state).choose(result.normalized, result.words)


@pytest.mark.parametrize(("said", "hers", "theirs"), [
    ("我是干皮", "我是干皮", ""),  # nobody else named
    ("我老公油皮", "", "我老公油皮"),
    ("我妈是干皮", "", "我妈是干皮"),
    ("我是干皮我老公油皮", "我是干皮", "我老公油皮"),
    ("我老公是干皮我是油皮", "我是油皮", "我老公是干皮"),
    ("我和我老公都是油皮", "我和我老公都是油皮", ""),  # joined by 和: hers too
    ("老公和我都是干皮", "我都是干皮", "老公和"),  # 我 is named last
    ("我妈说我是干皮", "我是干皮", "我妈说"),
    ("油皮跟我老公一样", "油皮跟我老公一样", ""),
])
def test_what_is_said_about_someone_else_is_told_apart(said: str, hers: str, theirs: str) -> None:
    assert PEOPLE.split(normalize(said)) == (hers, theirs)


def test_no_others_listed_means_everything_is_hers() -> None:
    assert Others([], normalize).split("我老公油皮") == ("我老公油皮", "")


@pytest.mark.parametrize(("state", "said", "chosen"), [
    ("skin", "我老公油皮", SOMEONE_ELSE),
    ("skin", "我妈是干皮", SOMEONE_ELSE),
    ("skin", "我男朋友是油皮", SOMEONE_ELSE),
    ("skin", "我老公是干皮，我是油皮", "油皮"),
    ("skin", "我和我老公都是油皮", "油皮"),
    ("skin", "我妈说我是干皮", "干皮"),
    ("skin", "我老公油皮，我不知道", UNKNOWN_OPTION),
    ("skin", "油皮", "油皮"),  # unchanged without anyone else
    ("concern", "我闺蜜长痘", SOMEONE_ELSE),
    ("concern", "我老公最近好多闭口", SOMEONE_ELSE),
])
def test_an_answer_about_someone_else_is_not_hers(state: str, said: str, chosen: str) -> None:
    assert choose(state, said) == chosen


def test_a_mention_about_someone_else_pre_fills_nothing() -> None:
    need = CONTENT.need
    theirs = need.read(normalize("我闺蜜脸上老爆痘"), [], Profile(), 0.0)
    assert theirs.answers == [] and all(item.kind != "pain" for item in theirs.evidence)
    hers = need.read(normalize("我脸上老爆痘，我闺蜜也是"), [], Profile(), 0.0)
    assert [(q, c) for q, c, _ in hers.answers] == [("concern", "3")]


@pytest.mark.parametrize(("said", "chosen"), [
    ("夏天油冬天干", "混合肌"), ("T区油两颊干", "混合肌"), ("t区出油，两颊干", "混合肌"), ("额头油 脸颊干", "混合肌"),
    ("冬天干夏天油", "混合肌"), ("夏天出油冬天起皮", "混合肌"),
    ("夏天不出油，冬天很干", "干皮"),  # 不出油: only one of the two said
    ("油皮，冬天有点干", "油皮"),  # she names an option herself: as she says
    ("不油也不干", None),
    ("油皮", "油皮"), ("很干", "干皮"), ("出油", "油皮"),  # one kind alone, as before
])
def test_together_reads_an_answer_that_needs_a_little_inference(said: str, chosen: str | None) -> None:
    assert choose("skin", said) == chosen


def test_together_needs_two_groups(tmp_path: Path) -> None:
    (tmp_path / "codebook.yaml").write_text(
        'questions:\n  skin:\n    group: 肤质\n    options:\n      "3": {label: 混合肌, together: [[油, 干]]}\n',
        encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_codebook(tmp_path, tmp_path)
    assert any("together 至少写两组" in str(problem) for problem in caught.value.problems)


@pytest.mark.parametrize(("said", "questions"), [
    ("我是油皮 想控油", {"skin"}),
    ("我干皮，最近爆痘", {"skin", "concern"}),
    ("我是油皮，怎么控油？", set()),  # a question of hers, not an answer to ours
    ("可以，我是油皮", {"skin"}),  # 可以 holds the cue of "can", but it is her yes
    ("可以 夏天油冬天干", {"skin"}),  # `together` reveals too
    ("我是油皮，可以吗", set()),  # 可以吗 asks
    ("我老公脸上老爆痘", set()),  # someone else's
    ("好呀", set()),
])
def test_a_statement_reveals_the_questions_its_mentions_answer(said: str, questions: set[str]) -> None:
    revealed = CONTENT.flows["survey"].revealed
    assert revealed.questions(CONTENT.understanding.understand(said)) == questions


@pytest.mark.parametrize(("said", "chosen"), [
    ("洗完脸很干净", None),  # 很干 is not said in 很干净: its 干 belongs to 干净
    ("脸很干", "干皮"),
    ("平时不怎么出油", None), ("不太出油", None), ("不怎么会出油", None), ("不是很出油", None),  # negated
    ("特别出油", "油皮"),  # the 别 of 特别 negates nothing
])
def test_an_answer_is_said_as_whole_words_and_not_negated(said: str, chosen: str | None) -> None:
    assert choose("skin", said) == chosen


@pytest.mark.parametrize(("said", "answers"), [
    ("洗完脸很干净", []),  # 脸很干 is not in it
    ("我脸很干", [("skin", "1"), ("concern", "1")]),  # dry skin and, with it, 缺水 (QA3 #9)
    ("我不是油皮", []),
    ("夏天油冬天干", [("skin", "3")]),  # `together` fills a slot from any message, as at the skin question
    ("夏天不油冬天干", []),
    ("我老公夏天油冬天干", []),
    ("油皮，冬天有点干", [("skin", "2")]),  # a mention of hers comes first
])
def test_mentions_are_read_like_answers(said: str, answers: list[tuple[str, str]]) -> None:
    reading = CONTENT.need.read(normalize(said), [], Profile(), 0.0)
    assert [(q, c) for q, c, _ in reading.answers] == answers


def test_a_move_names_options_of_its_question(tmp_path: Path) -> None:
    """生完了 moving 孕期 to a label the question does not have would silently never move: it is reported."""
    (tmp_path / "codebook.yaml").write_text(
        'questions:\n  stage:\n    group: 特殊时期\n    options:\n      "1": {label: 孕期}\n'
        '    moves:\n      - {said: [生完了], when: 孕期, to: 哺乳}\n', encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_codebook(tmp_path, tmp_path)
    assert any("哺乳 不是这一题的选项名" in str(problem) for problem in caught.value.problems)


@pytest.mark.parametrize(("state", "said", "chosen"), [
    ("skin", "有点干", "干皮"),  # a degree (the codebook's `degrees`) and an answer: that answer
    ("skin", "挺干的", "干皮"),
    ("skin", "我偏油", "油皮"),
    ("skin", "比较敏感", "敏感肌"),
    ("concern", "有点干", "缺水"),
    ("skin", "有点", None),  # a degree alone answers nothing
    ("skin", "有点困扰", None),
])
def test_a_degree_before_an_answer_is_that_answer(state: str, said: str, chosen: str | None) -> None:
    assert choose(state, said) == chosen


@pytest.mark.parametrize(("said", "whole"), [
    ("有点干", "干皮"),
    ("油皮", "油皮"),
    ("混合的", "混合肌"),
    ("2", None),  # a bare code belongs to the question asked, not to another one
    ("干皮 有点敏感", None),  # said inside a longer reply: not the reply as a whole
    ("我老公有点干", None),
    ("我是干皮", "干皮"),
])
def test_a_reply_is_one_option_as_a_whole_only_when_it_says_nothing_else(said: str, whole: str | None) -> None:
    assert matcher("skin").whole(normalize(said)) == whole


@pytest.mark.parametrize("said", ["还行吧", "还可以", "凑合"])
def test_a_mild_answer_to_how_her_skin_is_is_not_urgent_rather_than_cold(said: str) -> None:
    """还行吧 at the goal question was the cold intent: tagged 冷淡, which stops every follow-up (a clean-clone trial)."""
    assert choose("goal", said) == "先了解"
