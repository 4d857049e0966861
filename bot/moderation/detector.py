"""The stateless judge: one message in, a Verdict with its evidence out. Built once per content load.

`judge` looks only at the message itself (text, type, sender role), so it is what `siyu moderate` runs;
`bot.moderation.moderator.Moderator` adds the rules that need memory (flood, cross-group repeats).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.moderation.contacts import ContactHandles, Invitations, PhoneNumbers
from bot.moderation.links import LinkRule, allowed, host_of
from bot.moderation.load import ModerationContent
from bot.moderation.message import TEXT_TYPES, Evidence, Message, Role, Verdict
from bot.moderation.model import sigmoid
from bot.moderation.spec import Lexicon, LexiconCategory, ModerationFile, Weighted
from bot.moderation.text import Folded, TextNormalizer
from bot.moderation.wall import WallRule
from bot.moderation.words import LexiconLine, WordEntry, WordMatcher


def _cap_of(rule: Weighted, *weights: int) -> int:
    """A rule's `max`, or by default the most one of its signals weighs."""
    return rule.max if rule.max is not None else max(weights)


def _is_latin(word: str) -> bool:
    return word.isascii()


def _inside_one(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Inside one of `spans` and shorter than it (a safe word hides what it holds, not what equals it)."""
    start, end = span
    return any(first <= start and end <= last and last - first > end - start for first, last in spans)


def _count_each_span_once(evidence: list[Evidence]) -> list[Evidence]:
    """A signal nested in a stronger one's span is the same signal (加我 inside 加我好友, 私聊 inside 私聊详谈)."""
    spans = [item for item in evidence if item.span[1] > item.span[0]]
    if len(spans) < 2:
        return evidence
    # widest first: a nested item can only be dropped by one that starts no later and is at least as wide
    spans.sort(key=lambda item: (item.span[0], -item.span[1]))
    dropped: set[int] = set()
    for index, item in enumerate(spans):
        start, end = item.span
        for other in spans[index + 1:]:
            if other.span[0] >= end:
                break
            if other.span[1] <= end and (item.weight, end - start) > (other.weight, other.span[1] - other.span[0]):
                dropped.add(id(other))
        for other in spans[:index]:
            if other.span[0] == start and other.span[1] == end and other.weight >= item.weight:
                dropped.add(id(item))
    return [item for item in evidence if id(item) not in dropped] if dropped else evidence


class Detector:
    def __init__(self, content: ModerationContent) -> None:
        spec = content.spec
        self.content = content
        self.spec = spec
        self.threshold = spec.threshold
        self.normalizer = TextNormalizer(spec.normalize.symbols, spec.normalize.tokens, spec.normalize.variants,
                                     spec.normalize.digits)
        self._caps: dict[str, int] = {}
        self._requires = {words.id: frozenset(words.requires) for words in spec.words if words.requires}
        self.words = WordMatcher(self.normalizer)
        self.lexicon_words = 0
        self._add_word_lists(spec)
        for lexicon in spec.lexicons:
            if lexicon.id in content.lexicons:
                self._add_lexicon(lexicon, content.lexicons[lexicon.id])
        self.words.add_safe(spec.safe_words)
        self.words.build()
        self._add_warnings(spec)
        self._add_detectors(spec)
        self.model = content.model if spec.model else None
        self._model_ignore = [w for w in (self.normalizer.word(word) for word in spec.model.ignore) if w] \
            if spec.model else []

    def _add_word_lists(self, spec: ModerationFile) -> None:
        for words in spec.words:
            self._cap(words.id, _cap_of(words, words.weight))
            for word in words.words:
                normal = self.normalizer.word(word)
                self.words.add(word, WordEntry(words.id, words.category, words.weight, _is_latin(normal)), normal)

    def _add_warnings(self, spec: ModerationFile) -> None:
        """The words of a warning or a report, matched on their own (a safe word such as 是骗子吧 must not hide
        them)."""
        self.warning_words: WordMatcher | None = None
        self._warning_ignores: frozenset[str] = frozenset()
        self._warning_unless: frozenset[str] = frozenset()
        if spec.warnings is None:
            return
        self.warning_words = WordMatcher(self.normalizer)
        for word in spec.warnings.words:
            normal = self.normalizer.word(word)
            self.warning_words.add(word, WordEntry("warning", "", 0, _is_latin(normal)), normal)
        self.warning_words.add_safe(spec.warnings.safe_words)
        self.warning_words.build()
        self._warning_ignores = frozenset(spec.warnings.ignore)
        self._warning_unless = frozenset(spec.warnings.unless)

    def _add_lexicon(self, lexicon: Lexicon, lines: list[LexiconLine]) -> None:
        self._cap(lexicon.id, lexicon.max)  # its category is that of the word that matched
        mapped: list[tuple[LexiconLine, LexiconCategory]] = []
        for line in lines:
            mapping = lexicon.categories.get(line.category, lexicon.default)
            if mapping is not None:
                mapped.append((line, mapping))
        shared: dict[tuple[str, str, int, bool], WordEntry] = {}  # 51k words share a handful of entries
        normals = self.normalizer.words([line.word for line, _ in mapped])
        for (line, mapping), normal in zip(mapped, normals, strict=True):
            latin = _is_latin(normal)
            if len(normal) < (lexicon.latin_min_length if latin else lexicon.min_length):
                continue
            key = (lexicon.id, mapping.category, mapping.weight, latin)
            entry = shared.get(key) or shared.setdefault(key, WordEntry(*key))
            self.words.add(line.word, entry, normal)
            self.lexicon_words += 1

    def _add_detectors(self, spec: ModerationFile) -> None:
        self.contacts = ContactHandles(spec.contacts, self.normalizer) if spec.contacts else None
        if spec.contacts:
            c = spec.contacts
            self._cap(ContactHandles.RULE, _cap_of(c, c.weight, c.letters_only_weight))
        self.invite = Invitations(spec.invite, self.normalizer) if spec.invite else None
        if spec.invite:
            self._cap(Invitations.RULE, _cap_of(spec.invite, spec.invite.weight, spec.invite.alone_weight or 0))
        self.phones = PhoneNumbers(spec.phones, self.normalizer) if spec.phones else None
        if spec.phones:
            p = spec.phones
            self._cap(PhoneNumbers.RULE, _cap_of(p, p.weight, p.disguised_weight, p.service_weight))
            self._cap(PhoneNumbers.CUE_RULE, p.cue_weight)
        self.links = LinkRule(spec.links) if spec.links else None
        self.wall = WallRule(spec.wall) if spec.wall else None
        if spec.links:
            self._cap(LinkRule.RULE, _cap_of(spec.links, spec.links.weight))
            self._cap(LinkRule.SHOP_CODE_RULE, spec.links.shop_code_weight)
            self._cap(LinkRule.EMAIL_RULE, spec.links.email_weight)
        for name, rule in spec.msgtypes.items():
            self._cap(f"msgtype_{name}", _cap_of(rule, rule.weight))
        if spec.model:
            self._cap("model", max(b.weight for b in spec.model.bands))
        for name in ("flood", "repeat", "wall"):
            stateful = getattr(spec, name)
            if stateful is not None:
                self._cap(name, _cap_of(stateful, stateful.weight))

    def _cap(self, rule: str, cap: int) -> None:
        """The most a rule adds to a message's score."""
        self._caps[rule] = cap

    # -- judging ---------------------------------------------------------------------------------
    def exempt_reason(self, message: Message) -> str:
        if message.role is not Role.CUSTOMER and message.role.value in self.spec.exempt.roles:
            return "员工" if message.role is Role.STAFF else "白名单成员"
        if message.sender and message.sender in self.spec.exempt.members:
            return "白名单成员 (exempt.members)"
        return ""

    def judge(self, message: Message) -> Verdict:
        exempt = self.exempt_reason(message)
        if exempt:
            return Verdict(False, None, None, None, None, 0, self.threshold, (), "", exempt)
        evidence, folded = self.evidence(message)
        return self.decide(evidence, folded.compact)

    def judge_text(self, text: str) -> Verdict:
        return self.judge(Message(text))

    def evidence(self, message: Message) -> tuple[list[Evidence], Folded]:
        folded = self.normalizer.fold(message.text)
        evidence = self._type_evidence(message)
        if folded.compact or folded.original.strip():
            words, safe = self.words.match_and_safe(folded)
            evidence.extend(words)
            for detector in (self.contacts, self.invite, self.phones, self.links):
                if detector is not None:
                    evidence.extend(item for item in detector.find(folded) if not _inside_one(item.span, safe))
            evidence.extend(self._model_evidence(folded))
            if self.wall is not None:
                evidence.extend(self.wall.find(message.text))
        markers = {item.rule for item in evidence if item.weight == 0}  # kept even inside a signal: ad_pitch in 本公司
        evidence = _count_each_span_once(evidence)
        if self._requires and evidence:
            found = {item.rule for item in evidence if item.weight > 0}
            evidence = [item for item in evidence
                        if item.rule not in self._requires or self._requires[item.rule] & found]
        if (self.warning_words is not None and evidence
                and not (markers | {item.rule for item in evidence}) & self._warning_unless):
            evidence = self._in_a_warning(folded, evidence)
        return evidence, folded

    def _in_a_warning(self, folded: Folded, evidence: list[Evidence]) -> list[Evidence]:
        """A member warning about a scam or reporting an advert quotes it (有人冒充客服说刷单返利，是骗子吧): the
        quoted words are not counted (the caller has checked that no `unless` rule found anything)."""
        if not any(item.rule in self._warning_ignores and item.weight > 0 for item in evidence):
            return evidence
        assert self.warning_words is not None
        said = self.warning_words.match(folded)
        if not said:
            return evidence
        note = f"提醒/举报的话（{'、'.join(item.original for item in said[:3])}）里提到的，不计分"
        return [replace(item, weight=0, note=f"{item.note}; {note}" if item.note else note)
                if item.rule in self._warning_ignores else item for item in evidence] + [
            replace(said[0], note="提醒、举报或向群主求证的说法：骗子的话被引用，不是在打广告")]

    def _type_evidence(self, message: Message) -> list[Evidence]:
        kind = message.msgtype.lower()
        rule = self.spec.msgtypes.get(kind)
        if rule is None or kind in TEXT_TYPES:
            return []
        if message.appid and message.appid in rule.allow_appids:
            return []
        if message.url:
            host = host_of(message.url)
            brand = tuple(self.links.allow) if self.links else ()
            if host and (allowed(host, tuple(rule.allow_domains)) or allowed(host, brand)):
                return []
        shown = message.url or message.appid or kind
        return [Evidence(f"msgtype_{kind}", rule.category, rule.weight, kind, shown,
                         "非员工发送的消息类型")]

    def model_input(self, compact: str) -> str:
        """What the model reads: the compact text without the words it is told to ignore."""
        for word in self._model_ignore:
            if word in compact:
                compact = compact.replace(word, "")
        return compact

    def _model_evidence(self, folded: Folded) -> list[Evidence]:
        spec = self.spec.model
        if self.model is None or spec is None or len(folded.compact) < spec.min_length:
            return []
        logit, present = self.model.logit(self.model_input(folded.compact))
        probability = sigmoid(logit)
        weight = 0
        for band in spec.bands:
            if probability >= band.probability:
                weight = band.weight
        if weight == 0:
            return []
        grams = " ".join(f"{gram}({value:+.1f})" for gram, value in self.model.strongest(present, spec.top))
        return [Evidence("model", spec.category, weight, f"p={probability:.3f}", "",
                         f"统计模型判断像广告；主要依据: {grams}")]

    def decide(self, evidence: Iterable[Evidence], normalized: str = "") -> Verdict:
        items = tuple(evidence)
        totals: dict[str, int] = {}
        for item in items:
            totals[item.rule] = totals.get(item.rule, 0) + item.weight
        contributions = {rule: min(total, self._caps.get(rule, total)) for rule, total in totals.items()}
        score = sum(contributions.values())
        violation = score >= self.threshold and score > 0
        if not violation:
            return Verdict(False, None, None, None, None, score, self.threshold, items, normalized)
        # each rule's category is that of its strongest evidence (a lexicon spans several categories)
        strongest: dict[str, Evidence] = {}
        for item in items:
            if item.rule not in strongest or item.weight > strongest[item.rule].weight:
                strongest[item.rule] = item
        order = {rule: index for index, rule in enumerate(strongest)}

        def strength(rule: str) -> tuple[int, int, int]:
            category = self.spec.categories.get(strongest[rule].category)
            rank = category.severity.rank if category else 0
            return contributions[rule], rank, -order[rule]

        decider = max((rule for rule in contributions if contributions[rule] > 0), key=strength)
        name = strongest[decider].category
        category = self.spec.categories.get(name)
        return Verdict(True, decider, name, category.action if category else None,
                       category.severity if category else None, score, self.threshold, items, normalized)
