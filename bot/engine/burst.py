"""A burst (several messages sent within the window) is understood piece by piece, in order, and
answered as one turn.

Each message is a piece; a message that opens with short replies (好呀，叫我小雨 / 嗯嗯，我是干皮 /
不用了，谢谢) is cut at its punctuation so each reply counts on its own, while a message that is one
question with commas (我在新疆，能发货吗) stays whole. When a later piece answers the question the bot
asked after an earlier piece (好呀 → 「怎么称呼你？」, then 叫我小雨), that question is dropped from the
reply: the customer has answered it already. The same message sent twice in one burst (好 好 好, or 包邮吗 几天能到
包邮吗) is one piece, answered where it was first sent. One question typed in fragments (那个 | 水杨酸的 | 孕妇 |
能用吗) is read as one message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import pairwise

from bot.conversation import Outbound
from bot.understanding.matcher import REFUSALS, Decision, Result
from bot.understanding.names import introduces
from bot.understanding.normalize import clauses

BUYING = ("will_buy", "ordered")  # optional intents of knowledge/intents.yaml: she has decided to buy
DECLINING = ("stop_asking", "opt_out")  # a no to all (不想做问卷, 别推了): a bare 不用了 before it is that no
TAKE_BACK = "take_back"  # optional intent: 算了, 当我没说 take back what came before


def pieces(texts: list[str], understand: Callable[[str], Result],
           has_intents: Callable[[str], bool] | None = None, introductions: set[str] | None = None) -> list[str]:
    """The pieces to answer, in order. `has_intents` (Understanding.may_reply) spares the full reading of a clause
    that cannot be a short reply (one has an intent, not only one an FAQ follows). `introductions` collects the
    pieces cut off as a self-introduction before a question (我是李姐，孕妇能用吗): their name is kept even unasked."""
    found: list[str] = []
    texts = _one_question(texts, understand)
    for text in texts:
        parts = clauses(text)
        if len(parts) < 2:
            if text.strip():
                found.append(text)
            continue
        rest: list[str] = []
        for number, part in enumerate(parts):
            if rest:
                rest.append(part)
            elif _named_then_asks(parts[number:], understand):  # 你好，我是李姐，想问下…: after the short replies
                found.append(part)
                if introductions is not None:
                    introductions.add(part)
            elif (has_intents is None or has_intents(part)) and _short_reply(understand(part)):
                found.append(part)
            else:
                rest.append(part)
        closing = rest.pop() if len(rest) > 1 and _closing(understand(rest[-1])) else ""
        if rest:  # 快递单号发我下 谢谢亲: the request is answered, the thanks after it is a piece of its own
            found.append("，".join(rest))
        if closing:
            found.append(closing)
    if introductions is not None:  # 我是李姐 + 孕妇能用吗 sent as two messages of a burst: the same introduction
        introductions.update(before for before, after in pairwise(found)
                             if before not in introductions and understand(after).question
                             and introduces(understand(before), understand, asking=True))
    # 好 + 好 + 好, 在吗 + 在吗, 包邮吗 + 几天能到 + 包邮吗: the same message sent again anywhere in a burst is
    # said once, not answered again
    seen: set[str] = set()
    once: list[str] = []
    for piece in found:
        if _same(piece) not in seen:
            seen.add(_same(piece))
            once.append(piece)
    found = once
    if len(found) < 2:
        return found or [texts[0] if texts else ""]  # nothing to read: the empty reply says so
    readings = [(piece, understand(piece)) for piece in found]
    if any(_says_something(result) for _, result in readings):
        # 你好 + 包邮吗 + ？: the question is what the customer wants answered
        readings = [(piece, result) for piece, result in readings if _says_something(result)]
    # 哦哦 + 那敏感肌呢: a noise of listening before something said is not an answer of its own
    kept = [(piece, result) for number, (piece, result) in enumerate(readings)
            if not (_listening(result) and any(not _listening(later) for _, later in readings[number + 1:]))]
    return [piece for piece, _ in kept]


FRAGMENT = 6  # characters: a message this short may be a piece of one question typed in several
_DANGLING = ("的", "那个", "这个", "就是")  # a message that ends like this is not finished


def _one_question(texts: list[str], understand: Callable[[str], Result]) -> list[str]:
    """那个 | 水杨酸的 | 孕妇 | 能用吗: one question typed in fragments is read as one message — every message short,
    one left dangling (水杨酸的), the last one asking — so that 孕妇能用吗 is asked about 水杨酸精华, not on its own."""
    if len(texts) < 2 or any(len(text.strip()) > FRAGMENT for text in texts):
        return texts
    readings = [understand(text) for text in texts]
    if (any(result.intents for result in readings) or not readings[-1].question
            or not any(result.normalized.endswith(_DANGLING) for result in readings[:-1])):
        return texts
    return ["，".join(text.strip() for text in texts)]


def _named_then_asks(parts: list[str], understand: Callable[[str], Result]) -> bool:
    """我叫小雨 想问下防晒怎么选, 我姓李 防晒多少钱, 我是李姐，孕妇能用吗: a name told, then a question — two pieces
    (叫我小鹿 学生党 stays one: the rest is about her, not a question)."""
    return (len(parts) > 1 and introduces(understand(parts[0]), understand, asking=True)
            and understand("，".join(parts[1:])).question)


def _same(piece: str) -> str:
    """What makes two pieces the same message: 包邮吗 and 包邮吗？ are."""
    return piece.strip().rstrip("？?！!。.～~ 　")


def engaged(results: list[Result]) -> list[Result]:
    """嗯嗯 + 我是干皮: a 嗯 that could be yes or cold, followed by more in the same turn, is a yes — the
    customer goes on talking. 行 + 我去买: a bare yes right before a decision to buy is that decision, said once.
    行吧 那下次再说, 好 + 不用了: a bare yes followed later in the turn by a refusal (the matcher's `REFUSALS`:
    deny, later) is the "well…" before a no — the turn declines, and only the refusal is answered; so is a bare
    refusal followed by another (不用了 + 不想买东西 就随便问问: one no, not two) or by a no to all questions (不用了 +
    不想做问卷: the survey ends, and 不用了 is not first taken as an answer to the question asked)."""
    out = list(results)
    for number, result in enumerate(out[:-1]):
        names = {name for name, _ in result.intents}
        if names == {"cold", "affirm"} and not result.words:
            out[number] = replace(result, intents=[i for i in result.intents if i[0] != "cold"])
    return [result for number, result in enumerate(out)
            if not (number + 1 < len(out) and (_bare_yes(result) or _only_refuses(result))
                    and (_buys(out[number + 1]) or any(_refuses(later) or _declines(later)
                                                       for later in out[number + 1:])))]


def _only_refuses(result: Result) -> bool:
    """不用了 + 不想买东西 就随便问问: one no said twice is declined once, by the last of them (QA round 12)."""
    return _refuses(result) and result.decision is Decision.MISS and not result.words


def taken_back(results: list[Result], why: list[str]) -> list[Result]:
    """我想问下发货 | 算了 | 还是问下能不能包邮吧: a piece that takes back (the optional `take_back` intent: 算了,
    当我没说; not 算了 不买了, which says more) takes back the pieces of the burst before it — they are not
    answered, nor read for need — and when another piece follows, it is itself no reply (no "no" to the flow's
    question, no end of the flow): only what follows it is answered. Last in the burst, it is read as it is."""
    last = max((number for number, result in enumerate(results)
                if result.has_intent(TAKE_BACK) and not result.question and result.decision is not Decision.ANSWER),
               default=None)
    if last is None:
        return results
    followed = last + 1 < len(results)
    if last:
        why.append(f"“{results[last].text}”收回了前面的 {last} 条：不回答它们")
    if followed:
        why.append(f"“{results[last].text}”后面还有话：它只是收回前面的，不当成拒绝，也不结束流程")
    return results[last + 1:] if followed else results[last:]


def _bare_yes(result: Result) -> bool:
    return ({name for name, _ in result.intents} <= {"affirm", "cold"} and result.has_intent("affirm")
            and result.decision is Decision.MISS and not result.question)


def _buys(result: Result) -> bool:
    return any(result.has_intent(name) for name in BUYING) and not result.question


def _refuses(result: Result) -> bool:
    """不用了, 那下次再说: a refusal said as one, not asked (下次买能用券吗 asks)."""
    return any(result.has_intent(name) for name in REFUSALS) and not result.question \
        and not result.has_intent("affirm")


def _declines(result: Result) -> bool:
    return any(result.has_intent(name) for name in DECLINING) and not result.question


def _only_hello(result: Result) -> bool:
    return result.has_intent("greeting") and result.decision is Decision.MISS


def _says_something(result: Result) -> bool:
    """Not just hello, 请问 or ？: something to answer."""
    return bool(result.words or result.intents or result.kinds) and not _only_hello(result)


def _short_reply(result: Result) -> bool:
    """A reply of its own kind (yes, no, hello, thanks): an intent and nothing the knowledge base answers.
    A greeting asked as a question (在吗, 在不在) is one too."""
    return (bool(result.intents) and result.decision is Decision.MISS and (not result.question or _only_hello(result))
            and not any(name in _ASKS_FOR for name, _ in result.intents))


def _closing(result: Result) -> bool:
    """谢谢, 谢谢亲 at the end of a message: thanks and nothing else."""
    return _short_reply(result) and {name for name, _ in result.intents} == {"thanks"}


_ASKS_FOR = frozenset({"ask_recommendation", "gift"})  # 买给妈妈 她干皮: what follows says what the request is for


def _listening(result: Result) -> bool:
    """哦, 噢: cold and nothing else, no yes in it."""
    names = {name for name, _ in result.intents}
    return names == {"cold"} and not result.words and result.decision is Decision.MISS


@dataclass
class Asked:
    """The messages said on entering a flow state: its question, until the customer answers it."""

    flow: str = ""
    state: str = ""
    messages: list[Outbound] = field(default_factory=list)

    def answered_by(self, fired: list[str]) -> bool:
        prefix = f"{self.flow}.{self.state}.on["
        return bool(self.flow) and any(rule.startswith(prefix) for rule in fired)

    def drop_from(self, messages: list[Outbound]) -> None:
        kept = [m for m in messages if all(m is not asked for asked in self.messages)]
        messages[:] = kept

    def move_to_end(self, messages: list[Outbound], flow: str, state: str) -> bool:
        """我叫小雨 + 想问下防晒怎么选: the question asked after the name goes after the answer to hers — while the
        flow still waits in that state (a question that started another flow asks its own)."""
        mine = [m for m in messages if any(m is asked for asked in self.messages)]
        if (flow, state) != (self.flow, self.state) or not mine or messages[-len(mine):] == mine:
            return False
        self.drop_from(messages)
        messages.extend(mine)
        return True


def answered_before(earlier: list[Result], result: Result, near_miss: float = 100.0) -> bool:
    """包邮吗 + 几天能到 + 运费多少: a piece whose FAQ answer an earlier piece of the burst already got is not
    answered a second time in the same turn. 瓶子碎了 + 漏了一地: a piece that asks nothing of its own and reads
    nearly as well (`near_miss`, matching.yaml) as an answer already given tells the same problem again — one
    answer per problem, even when another entry (missing_item: 漏发) scores a little higher for it."""
    given = {faq for before in earlier if before.decision is Decision.ANSWER for faq in before.answers}
    if result.decision is not Decision.ANSWER or not result.answers or not given:
        return False
    if set(result.answers) <= given:
        return True
    return not result.question and any(c.entry in given and c.score >= near_miss for c in result.candidates)


def says_again(before: Result, result: Result) -> bool:
    """在开会 晚点聊: two pieces of one burst that say the same (the same intents, no question, no FAQ
    answer) get one reply."""
    return (bool(result.intents) and not result.question and not before.question
            and result.decision is Decision.MISS and before.decision is Decision.MISS
            and {name for name, _ in result.intents} == {name for name, _ in before.intents})


def without_acks(messages: list[Outbound]) -> list[Outbound]:
    """好 + 那我下单了: 「收到～」 to the 好 is noise beside the answer to the rest; an ack stands only alone."""
    said = [m for m in messages if m.label != "ack"]
    return said if said else messages
