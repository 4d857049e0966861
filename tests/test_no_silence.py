"""No customer message meets silence or "not sure" where a word of care is due, and care never sells.

Conversations on the bundled content through the real engine and store (both backends):
- a complaint after an offer (还是爆痘 / 还是不行 / 用了还是长痘), which the offer's catch-all `any: true → end`
  used to swallow, gets a caring reply and no second product;
- a customer who said 别推了 and later complains (最近又爆痘了 好烦) gets care, never a product, never
  the "not sure" fallback;
- every state of every bundled flow answers any message (a flow that ends without a word leaves the
  message to the rest of the rules), and the only silence left is the documented one (a cold 嗯 outside any
  flow, a handover, a sticker).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.conversation import Outbound
from bot.store.base import Store
from bot.tools.simulator import Simulator
from tests.content_cache import bundled_library

ROOT = Path(__file__).resolve().parent.parent
MORNING = 1_767_225_600.0 + 2 * 3600  # 10:00 in Shanghai
DAY = 86400.0
LIBRARY = bundled_library()
PRODUCTS = [p.name for p in LIBRARY.current.understanding.knowledge.products]


def labels(messages: list[Outbound]) -> list[str]:
    return [m.label for m in messages]


def sells(messages: list[Outbound]) -> bool:
    """A product card, an offer, or a product named."""
    return any(m.attachment is not None or m.label.startswith(("card:", "recommend.offer", "recommend.may_i"))
               or any(name in m.text for name in PRODUCTS) for m in messages)


async def offered(store: Store) -> Simulator:
    """A customer who has just been recommended 水杨酸控痘精华 (she asked, urgently)."""
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    assert labels(await sim.say("脸上爆痘了 急 有什么推荐")) == ["recommend.offer", "card:clear_serum"]
    return sim


async def asked_may_i(store: Store) -> Simulator:
    """A returning customer with a clear need whom the policy has just asked 要不要我帮你挑一款."""
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    for line in ("我比较懒，随便抹抹", "2", "最近老是长闭口", "D"):
        await sim.say(line)
    await sim.wait(DAY)
    assert "recommend.may_i" in labels(await sim.say("最近又爆痘了，好烦"))
    return sim


# -- 1. a complaint after an offer -----------------------------------------------------------------
@pytest.mark.parametrize("complaint", ["还是爆痘", "还是不行", "用了还是长痘"])
async def test_a_complaint_after_an_offer_gets_care_and_no_second_push(store: Store, complaint: str) -> None:
    sim = await offered(store)
    since = len(sim.events)
    replies = await sim.say(complaint)
    assert labels(replies) == ["care.痘痘"], (await sim.session()).trace
    assert not sells(replies)
    assert (await sim.session()).flow == ""  # the offer is over: no chasing
    assert all(d["action"] != "recommend" for d in await sim.decisions(since))


async def test_a_complaint_to_may_i_gets_care_and_the_question_is_not_asked_again(store: Store) -> None:
    sim = await asked_may_i(store)
    replies = await sim.say("还是爆痘")
    assert labels(replies) == ["care.痘痘"], (await sim.session()).trace
    assert (await sim.session()).flow == ""
    trace = (await sim.session()).trace
    assert any("这一轮不再重新开始它" in line for line in trace)


async def test_a_complaint_the_knowledge_base_answers_without_selling_gets_that_answer(store: Store) -> None:
    sim = await offered(store)
    replies = await sim.say("用了之后脸上泛红刺痛")
    assert labels(replies) == ["faq:allergy_after_use"]  # care from the knowledge base: it names no product


@pytest.mark.parametrize(("setup", "said", "expected"), [
    (offered, "我在追一部电视剧", ["statement.unclear"]),  # the offer's catch-all ends it; the message is still answered
    (asked_may_i, "我在追一部电视剧", ["statement.unclear"]),  # the same for may_i's catch-all
    (offered, "今天天气真好", ["intent.chat_weather"]),  # small talk too: answered as small talk outside the flow
    (asked_may_i, "今天天气真好", ["intent.chat_weather"]),
    (offered, "谢谢", ["recommend.glad"]),  # a rule that says something is unchanged
])
async def test_a_catch_all_that_ends_a_flow_leaves_the_message_to_the_other_rules(
        store: Store, setup: object, said: str, expected: list[str]) -> None:
    sim = await setup(store)  # type: ignore[operator]
    replies = await sim.say(said)
    assert labels(replies) == expected, (await sim.session()).trace
    assert (await sim.session()).flow == ""


async def test_a_fallback_rule_that_ends_silently_still_says_fallback(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.enter()  # welcome.invite: `fallback: {end: true}`
    assert labels(await sim.say("啊啊啊")) == ["welcome.reprompt"]
    assert labels(await sim.say("嗷嗷嗷")) == ["reprompt"]
    assert labels(await sim.say("呜呜呜")) == ["fallback"]  # ends, not a fourth question — and not silence
    assert (await sim.session()).flow == ""


async def test_the_recommend_question_asked_again_once_then_goes_on_with_what_is_known(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    await sim.say("推荐一下")  # recommend.which_concern: asked again once in other words, never a third time
    assert labels(await sim.say("啊啊啊")) == ["recommend.which_concern_again"]
    assert labels(await sim.say("嗷嗷嗷")) == ["recommend.nothing_fits"]  # taken as 不知道; nothing known: no pick
    assert (await sim.session()).flow == ""


# -- 2. a complaint after 别推了 ---------------------------------------------------------------------
@pytest.mark.parametrize("later", [0.0, DAY])
async def test_an_opted_out_customer_who_complains_gets_care_never_a_product(store: Store, later: float) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    assert labels(await sim.say("别推了")) == ["opt_out"]
    await sim.wait(later)
    since = len(sim.events)
    replies = await sim.say("最近又爆痘了 好烦")
    assert labels(replies) == ["care.痘痘"], (await sim.session()).trace
    assert not sells(replies)
    assert [d["action"] for d in await sim.decisions(since)] == ["hold"]
    assert (await sim.profile()).opted_out


async def test_a_complaint_with_no_known_concern_gets_the_persona_s_empathy_line(store: Store) -> None:
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    assert labels(await sim.say("别推了")) == ["opt_out"]
    assert labels(await sim.say("用了还是不行")) == ["care"]


async def test_a_question_about_the_problem_after_opting_out_gets_the_answer_without_the_product(
        store: Store) -> None:
    """Before 别推了 the acne answer (which names the salicylic serum) answers 最近老爆痘怎么办; after it, her
    question gets the same advice without the clause that names the product (a QA tryout read the FAQ text
    as a push)."""
    sim = Simulator(LIBRARY, store=store, start=MORNING)
    before = await sim.say("最近老爆痘怎么办")
    assert labels(before) == ["faq:acne_skin"] and "水杨酸控痘精华" in before[0].text
    await sim.say("别推了")
    replies = await sim.say("最近老爆痘怎么办")
    assert labels(replies) == ["faq:acne_skin"] and "精华" not in replies[0].text
    assert "温和清洁" in replies[0].text


# -- every state of every flow ----------------------------------------------------------------------
WAITING = [(flow, state) for flow, compiled in LIBRARY.current.flows.items()
           for state, spec in compiled.spec.states.items() if spec.on]


@pytest.mark.parametrize(("flow", "state"), WAITING)
@pytest.mark.parametrize("misses", [0, 2])
async def test_no_state_of_any_flow_meets_a_message_with_silence(store: Store, flow: str, state: str,
                                                                 misses: int) -> None:
    for number, said in enumerate(("今天天气真好", "还是爆痘", "还是不行", "呜呜呜")):
        sim = Simulator(LIBRARY, store=store, start=MORNING, customer=f"wm{flow}{state}{misses}{number}")
        session = await sim.session()
        session.flow, session.state, session.misses = flow, state, misses
        session.version = LIBRARY.current.version
        session.slots = {"product": "水杨酸控痘精华", "product_id": "clear_serum", "decision": "recommend"}
        await sim.engine.sessions.save(sim.key, session)
        replies = await sim.say(said)
        assert replies, f"{flow}.{state} (misses {misses}) said nothing to {said}: {(await sim.session()).trace}"
