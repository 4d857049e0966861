"""The pieces that read a reply in conversation: names, bursts, ambiguity, follow-ups, numbered choices.
Whole conversations are in flows/tests/understanding.yaml (run by test_engine via siyu test)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.conversation import InboundKind
from bot.engine.burst import pieces
from bot.engine.content import load_content
from bot.engine.followup import follow_up
from bot.engine.library import Library
from bot.engine.memory import RECENT, chosen, recent, remember
from bot.engine.persona import Persona, PersonaFile
from bot.engine.reading import ambiguous, state_of, takes_free_answers
from bot.engine.session import Session
from bot.tools.simulator import Simulator
from bot.understanding.matcher import Result
from bot.understanding.names import mostly, name_in, surname_in
from tests.content_cache import bundled_content

ROOT = Path(__file__).resolve().parent.parent
CONTENT = bundled_content()
UNDERSTANDING = CONTENT.understanding
understand = UNDERSTANDING.understand
MORNING = 1_767_225_600.0 + 2 * 3600


@pytest.mark.parametrize(("said", "name"), [
    ("小雨", "小雨"), ("叫我小雨", "小雨"), ("我是小雨", "小雨"), ("叫我小雨就行", "小雨"), ("小美吧", "小美"),
    ("我叫甜甜", "甜甜"), ("叫我莉莉就好", "莉莉"), ("你可以叫我Lily", "Lily"), ("王女士", "王女士"), ("我叫阿May呀", "阿May"),
    # nicknames in common framings: "call me" may name a word the shop knows (宝宝), a nickname word anything short
    ("你就叫我宝宝吧", "宝宝"), ("都叫我胖胖", "胖胖"), ("大家都叫我小鹿", "小鹿"), ("朋友一般叫我阿May", "阿May"),
    ("网名叫奶茶不加糖", "奶茶不加糖"), ("网名是奶茶不加糖", "奶茶不加糖"), ("我的昵称是Momo", "Momo"), ("我名字叫小雨", "小雨"),
    ("小懒猫", "小懒猫"),
])
def test_a_plausible_name_is_read(said: str, name: str) -> None:
    assert name_in(understand(said), understand) == name


@pytest.mark.parametrize("said", [
    "好", "好的呀", "嗯", "不用了", "你好呀", "在吗", "谢谢", "优惠卷怎么用不了", "包邮吗", "我是敏感肌",
    "叫我干嘛", "干皮", "油皮", "你叫什么名字？", "我今天心情特别好想和你聊很久很久", "12345", "别推了", "",
    "但是我不懂护肤", "你猜", "我也不知道", "还没想好",  # a sentence, not a name: filler, a negation
    # refusals, teasing, "call me anything" and requests: intents of knowledge/intents.yaml, not names
    "讲个笑话", "讲个笑话吧", "唱首歌", "给我讲个故事", "猜猜看", "猜猜我是谁", "都行", "无所谓", "随便叫", "叫什么都行",
    "秘密", "先不说",
    # refusals of the name (the no_name intent), and what she is rather than what she is called
    "不想告诉你名字", "名字就不说了", "关你屁事", "我叫什么不重要", "不用叫名字", "我是学生", "我是学生党", "我是宝妈",
    "叫我宝宝用的那个", "都叫我干嘛",
])
def test_anything_else_is_not_a_name(said: str) -> None:
    assert name_in(understand(said), understand) is None


@pytest.mark.parametrize(("texts", "expected"), [
    (["好呀", "叫我小雨"], ["好呀", "叫我小雨"]),
    (["好呀，叫我小雨"], ["好呀", "叫我小雨"]),
    (["嗯嗯，我是干皮，冬天很干"], ["嗯嗯", "我是干皮，冬天很干"]),
    (["我在新疆，能发货吗"], ["我在新疆，能发货吗"]),  # one question with a comma stays whole
    (["你好", "请问", "包邮吗", "？"], ["包邮吗"]),  # hello, 请问 and ？ beside a question need no answer
    (["你好"], ["你好"]),  # a hello alone is answered
    (["包邮吗", "几天能到", "包邮吗"], ["包邮吗", "几天能到"]),  # asked again in the same burst: answered once
    (["包邮吗", "几天能到", "包邮吗？"], ["包邮吗", "几天能到"]),
    ([""], [""]),
])
def test_a_burst_is_cut_into_pieces_in_order(texts: list[str], expected: list[str]) -> None:
    assert pieces(texts, understand) == expected
    assert pieces(texts, understand, CONTENT.understanding.has_intents) == expected  # what a turn passes


@pytest.mark.parametrize(("said", "surname"), [
    ("我姓李", "李"), ("免贵姓欧阳", "欧阳"), ("姓王就行", "王"), ("陈", "陈"), ("陳", "陳"),
    ("甜甜", None), ("小雨", None), ("好", None), ("嗯", None), ("我姓李叫我小李就行", None), ("？", None),
])
def test_a_surname_alone_is_read_as_one(said: str, surname: str | None) -> None:
    assert surname_in(understand(said)) == surname


def test_a_reply_mostly_made_of_the_flows_own_words_is_not_a_name() -> None:
    words = ["抹抹", "随便", "认真", "懒"]
    assert mostly(words, "随便抹抹派") and mostly(words, "认真派") and mostly(words, "懒")
    assert not mostly(words, "小懒猫") and not mostly(words, "小雨") and not mostly(words, "")


def test_a_name_told_then_a_question_are_two_pieces_a_name_then_news_is_one() -> None:
    has_intents = CONTENT.understanding.has_intents
    assert pieces(["我叫小雨 想问下防晒怎么选"], understand, has_intents) == ["我叫小雨", "想问下防晒怎么选"]
    assert pieces(["我姓李 防晒多少钱"], understand, has_intents) == ["我姓李", "防晒多少钱"]
    assert pieces(["叫我小鹿 学生党"], understand, has_intents) == ["叫我小鹿，学生党"]
    assert pieces(["不用叫名字 直接说事吧 我想问敏感肌用什么"], understand, has_intents) == [
        "不用叫名字", "直接说事吧", "我想问敏感肌用什么"]


def test_the_persona_says_how_to_call_a_customer_by_her_surname() -> None:
    persona = CONTENT.personas[CONTENT.default_persona]
    assert persona.by_surname("李") == "小李"  # a surname tells no gender: never 李女士
    assert Persona("p", persona.spec.model_copy(update={"surname": ""})).by_surname("李") is None
    with pytest.raises(ValidationError, match="surname"):
        PersonaFile.model_validate({"name": "a", "self": "a", "messages": {"x": ["y"]}, "surname": "女士"})


def test_an_ambiguous_reply_is_one_the_state_would_take_two_ways() -> None:
    invite = state_of(CONTENT.flows["welcome"], "invite")
    assert ambiguous(invite, understand("嗯")) is None  # a yes and lukewarm: a yes (QA round 6: 嗯嗯, 还行)
    assert ambiguous(invite, understand("还行")) is None
    assert ambiguous(invite, understand("好的")) is None
    assert ambiguous(invite, understand("哦")) is None  # only cold: a clear answer
    ask_name = state_of(CONTENT.flows["icebreak"], "ask_name")
    assert ambiguous(ask_name, understand("嗯")) is None  # this state has no rule for yes: 嗯 is plain
    assert takes_free_answers(state_of(CONTENT.flows["icebreak"], "chat"))
    assert not takes_free_answers(invite)


def test_the_numbered_choice_is_answered_with_1_or_2_on_the_next_turn_only() -> None:
    session = Session(turns=4)
    remember(session, "choice", ["points_use", "points_earn"])
    session.turns = 5
    assert chosen(session, understand("1")) == "points_use"
    assert chosen(session, understand("第二个")) == "points_earn"
    assert chosen(session, understand("包邮吗")) is None
    session.turns = 6
    assert chosen(session, understand("2")) is None  # a later 2 is something else (a survey option)


def test_context_is_forgotten_after_a_few_turns() -> None:
    session = Session(turns=1)
    remember(session, "product", "calm_serum")
    session.turns = 1 + RECENT
    assert recent(session, "product") == "calm_serum"
    session.turns += 1
    assert recent(session, "product") is None


def test_follow_ups_read_the_product_first_then_the_topic() -> None:
    session = Session(turns=2)
    remember(session, "product", "night_serum")
    found = follow_up(session, UNDERSTANDING, understand("孕妇能用吗"))
    assert found is not None and found.product is not None and found.product.id == "night_serum"
    assert "A醇" in found.product.answers[found.number].answer
    assert follow_up(session, UNDERSTANDING, understand("你好")) is None  # not a question about it
    assert follow_up(session, UNDERSTANDING, understand("我想问问你们的发票怎么开呢谢谢")) is None  # long
    topic = Session(turns=3)
    remember(topic, "topic", "ingredient_vc")
    found = follow_up(topic, UNDERSTANDING, understand("白天能用吗"))
    assert found is not None and found.result is not None and found.result.answers == ["ingredient_vc"]


def test_a_follow_up_the_topic_does_not_speak_of_does_not_repeat_its_answer() -> None:
    topic = Session(turns=3)
    remember(topic, "topic", "sensitive_skin")
    assert follow_up(topic, UNDERSTANDING, understand("多少钱啊")) is None  # 敏感肌 + 多少钱: not that answer again
    found = follow_up(topic, UNDERSTANDING, understand("能用吗"))  # 敏感肌能用吗 is one of its own questions
    assert found is not None and found.result is not None and found.result.answers == ["sensitive_skin"]


def test_a_follow_up_asked_differently_from_every_question_of_the_topic_is_read_on_its_own() -> None:
    topic = Session(turns=3)
    remember(topic, "topic", "oily_skin")
    assert follow_up(topic, UNDERSTANDING, understand("怎么用")) is None  # 油皮用什么 asks what, not how
    found = follow_up(topic, UNDERSTANDING, understand("有什么办法"))  # 大油田怎么控油 asks just that
    assert found is not None and found.result is not None and found.result.answers == ["oily_skin"]


@pytest.mark.parametrize(("said", "entry"), [("油皮", "oily_skin"), ("我是混油皮", "combo_skin")])
async def test_a_skin_topic_asked_about_again_is_said_in_its_other_wording(said: str, entry: str) -> None:
    sim = Simulator(Library(CONTENT), start=MORNING)
    first, again = await sim.say(said), await sim.say("有什么办法")
    assert [m.label for m in first] == [m.label for m in again] == [f"faq.{entry}"]
    assert first[0].text != again[0].text


async def test_the_welcome_never_says_the_same_line_twice_in_a_row_to_what_it_cannot_place() -> None:
    sim = Simulator(Library(CONTENT), start=MORNING)
    await sim.send(InboundKind.ENTER_SESSION)
    said = [await sim.say(text) for text in ("啊啊啊", "今天天气不错", "在吗", "你好")]  # 嗯嗯 is a yes
    texts = [[m.text for m in replies] for replies in said]
    assert [m.label for replies in said for m in replies] == [
        "welcome.reprompt", "reprompt", "welcome.hello_back", "welcome.hello_back"]
    assert all(before != after for before, after in pairwise(texts)), texts


async def test_a_burst_through_the_engine_is_one_turn_with_the_answered_question_dropped() -> None:
    sim = Simulator(Library(CONTENT), start=MORNING)
    await sim.send(InboundKind.ENTER_SESSION)  # the kf chat: the welcome waits for 好 (a contact welcome does not)
    replies = await sim.burst(["好呀", "叫我小雨"])
    assert [m.label for m in replies] == ["icebreak.nice_to_meet", "icebreak.chat"]
    session = await sim.session()
    assert session.slots["name"] == "小雨" and (session.flow, session.state) == ("icebreak", "chat")
    assert any("连发的 2 条消息一起回答一次" in line for line in session.trace)


async def test_a_turn_reads_each_piece_of_a_message_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """好的，谢谢，包邮吗 is cut into three pieces, the pieces are weighed, then answered: each is understood once
    in the turn (it was understood up to three times), and the answer is the same."""
    content = load_content(ROOT)
    read: list[str] = []
    original = content.understanding.understand

    def counted(text: str) -> Result:
        read.append(text)
        return original(text)

    monkeypatch.setattr(content.understanding, "understand", counted)
    sim = Simulator(Library(content), start=MORNING)
    replies = await sim.say("好的，谢谢，包邮吗")
    assert sorted(read) == sorted(["好的", "谢谢", "包邮吗"])
    assert [m.label for m in replies] == ["faq:shipping_fee"]  # 「收到～」, 「不客气」 only stand alone (coherent.py)


async def test_a_customer_staff_tagged_as_a_buyer_is_offered_no_new_customer_coupon() -> None:
    """New-customer offers only go to new customers: a purchase tag (followups.yaml purchase_tags, 已购 set by staff
    in WeCom) counts before the follow-ups have recorded it as a purchase."""
    sim = Simulator(Library(CONTENT), start=MORNING)
    async with sim.engine.profiles.edit(sim.customer) as profile:
        profile.tags.append("已购")
    said = [m.label for m in await sim.send(InboundKind.ENTER_SESSION)]
    assert said == ["welcome.back", "welcome.invite"]
    assert [m.label for m in await sim.say("有优惠券吗")] == ["faq.coupon_how.returning"]
    assert "新客" not in (await sim.profile()).tags
