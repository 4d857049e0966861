"""Ways to take a customer out of the group: contact handles, invitations, phone numbers.

All three read the normalised form (`Folded`), so 威 ❤ 信：dd-5566, ➕🛰：mm8866, ＶＸ同号 and
一三八一二三四五六七八 reach them already undone.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

from bot.moderation.digits import CHINESE_DIGITS
from bot.moderation.message import Evidence
from bot.moderation.spec import Contacts, Invite, Phones
from bot.moderation.text import Folded, TextNormalizer

# a WeChat id starts with a letter (6-20 letters, digits, _ and -; the compact form keeps letters and digits);
# a QQ number or a phone used as a WeChat id is 5-12 digits
_ID = r"(?P<id>[a-z][a-z0-9]{5,19}|[0-9]{5,12})(?![a-z0-9])"
_RAW_ID = re.compile(r"(?:[a-z][a-z0-9]{5,19}|[0-9]{5,12})(?![a-z0-9])")
_RAW_ID_BEFORE = re.compile(r"(?<![a-z0-9])(?:[a-z][a-z0-9]{5,19}|[0-9]{5,12})$")
_NOT_ALNUM = re.compile(r"[\W_]+")
_RAW_REACH = 40  # characters of the original read beside a marker for an id
_HOMOPHONE_NOTE = "数字还原(谐音数字)"
_MOBILE = re.compile(r"(?:86)?1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")
_SERVICE = re.compile(r"[48]00[0-9]{7}")


def _alternation(normalizer: TextNormalizer, words: Iterable[str]) -> str:
    normal = sorted({w for w in (normalizer.word(word) for word in words) if w}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in normal)


class ContactHandles:
    """微信/qq/好友 + id (fillers such as 号 是 同号 between), a solo marker glued to an id, or id + 同微."""

    RULE = "contact_id"

    def __init__(self, spec: Contacts, normalizer: TextNormalizer) -> None:
        self.spec = spec
        markers = _alternation(normalizer, spec.markers)
        fillers = _alternation(normalizer, spec.fillers)
        fill = f"(?:{fillers})*" if fillers else ""
        patterns = [f"(?:{markers})+{fill}{_ID}"]
        solo = _alternation(normalizer, spec.solo_markers)
        if solo:
            patterns.append(f"(?:{solo}){_ID}")
        after = _alternation(normalizer, spec.after_markers)
        if after:
            patterns.append(f"(?<![a-z0-9])(?P<id>[a-z][a-z0-9]{{5,19}}|[0-9]{{5,12}}){fill}(?:{after})")
        self._patterns = [re.compile(p) for p in patterns]
        # the markers alone: the id beside them is read again as typed, before the pinyin variants
        self._leads = [re.compile(f"(?:{markers})+{fill}")] + ([re.compile(f"(?:{solo})")] if solo else [])
        self._trail = re.compile(f"{fill}(?:{after})") if after else None
        # the markers right before a number spelt in homophones (扣扣：妖耳伞四五六拐八)
        self._lead_ends = [re.compile(f"(?:{markers})+{fill}$")] + ([re.compile(f"(?:{solo})$")] if solo else [])
        # an id in parts after a marker: lina 然后 1122, lina一一二二, lina 妖妖耳耳 (three numerals at least)
        numerals = {**CHINESE_DIGITS, **normalizer.homophones.digits}
        kinds = re.escape("".join(numerals))
        self._to_digits = str.maketrans(numerals)
        self._numeral_run = re.compile(f"[{kinds}](?:[\\W_]*[{kinds}]){{2,}}")
        joiners = _alternation(normalizer, spec.joiners)
        self._joined = re.compile(f"[a-z][a-z0-9]*(?:(?:{joiners})?[a-z0-9]+)*" if joiners else "[a-z][a-z0-9]*")
        self._joiners = re.compile(joiners) if joiners else None

    def find(self, folded: Folded) -> list[Evidence]:
        found: list[Evidence] = []
        seen: set[str] = set()
        for pattern in self._patterns:
            for match in pattern.finditer(folded.compact):
                first, last = folded.span(*match.span())
                self._add(found, seen, folded, match.group("id"), match.group(), first, last)
        if not found:
            self._pinyin_ids(folded, found, seen)
        if not found and folded.candidates:
            self._homophone_ids(folded, found, seen)
        if not found:
            self._joined_ids(folded, found, seen)
        return found

    def _joined_ids(self, folded: Folded, found: list[Evidence], seen: set[str]) -> None:
        """An id written in parts right after a marker (薇 lina 然后 1122, 微信 lina一一二二): the parts are joined
        and spelt numerals read as digits; it counts when that makes an id with digits that was not there."""
        for lead in self._leads:
            for match in lead.finditer(folded.compact):
                start, end = folded.span(*match.span())
                raw = folded.folded[end:end + _RAW_REACH]
                read = self._numeral_run.sub(lambda run: run.group().translate(self._to_digits), raw)
                joined = self._joined.match(_NOT_ALNUM.sub("", read))
                if joined is None:
                    continue
                handle = self._joiners.sub("", joined.group()) if self._joiners else joined.group()
                if (read == raw and handle == joined.group()) or not any(c.isdigit() for c in handle):
                    continue  # nothing joined, nothing read: the passes before have judged it
                if _RAW_ID.fullmatch(handle) and not folded.compact.startswith(handle, match.end()):
                    last = self._original_end(folded, end, len(joined.group()))
                    read = "，".join(step for step, done in (("账号分段连读", handle != joined.group()),
                                                             ("数字还原(汉字/谐音数字)", read != raw)) if done)
                    self._add(found, seen, folded, handle, match.group() + handle, start, last, read)

    def _homophone_ids(self, folded: Folded, found: list[Evidence], seen: set[str]) -> None:
        """A QQ-length number spelt with homophones (digits.py keeps it aside) counts right after a marker or
        right before 同微; a counting run (一二三四五) does not."""
        for run in folded.candidates:
            if _counting(run.digits):
                continue
            start, end = folded.compact_at(run.start), folded.compact_at(run.end)
            lead = next((m for p in self._lead_ends if (m := p.search(folded.compact, 0, start))), None)
            trail = self._trail.match(folded.compact, end) if self._trail and lead is None else None
            if lead is not None:
                first = folded.span(lead.start(), lead.end())[0]
                self._add(found, seen, folded, run.digits, lead.group() + run.digits, first, run.end, _HOMOPHONE_NOTE)
            elif trail is not None:
                last = folded.span(trail.start(), trail.end())[1]
                self._add(found, seen, folded, run.digits, run.digits + trail.group(), run.start, last,
                          _HOMOPHONE_NOTE)

    def _pinyin_ids(self, folded: Folded, found: list[Evidence], seen: set[str]) -> None:
        """An id that the pinyin variants rewrote (ｗｘ：ｄａｉｇｏｕ８８ is 微信代购88 once normalised, no id left):
        read beside the marker as typed, folded (full-width, case) but not rewritten."""
        for lead in self._leads:
            for match in lead.finditer(folded.compact):
                start, end = folded.span(*match.span())
                tail = _NOT_ALNUM.sub("", folded.folded[end:end + _RAW_REACH])
                handle = _RAW_ID.match(tail)
                if handle and not folded.compact.startswith(handle.group(), match.end()):
                    last = self._original_end(folded, end, len(handle.group()))
                    self._add(found, seen, folded, handle.group(), match.group() + handle.group(), start, last)
        if self._trail is None:
            return
        for match in self._trail.finditer(folded.compact):
            start, end = folded.span(*match.span())
            head = _NOT_ALNUM.sub("", folded.folded[max(0, start - _RAW_REACH):start])
            handle = _RAW_ID_BEFORE.search(head)
            if handle and not folded.compact[:match.start()].endswith(handle.group()):
                first = self._original_start(folded, start, len(handle.group()))
                self._add(found, seen, folded, handle.group(), handle.group() + match.group(), first, end)

    @staticmethod
    def _original_end(folded: Folded, start: int, letters: int) -> int:
        """Where, after `start` in the original, `letters` letters and digits have been read."""
        for index in range(start, len(folded.folded)):
            letters -= folded.folded[index].isalnum()
            if letters == 0:
                return index + 1
        return len(folded.folded)

    @staticmethod
    def _original_start(folded: Folded, end: int, letters: int) -> int:
        for index in range(end - 1, -1, -1):
            letters -= folded.folded[index].isalnum()
            if letters == 0:
                return index
        return 0

    def _add(self, found: list[Evidence], seen: set[str], folded: Folded, handle: str, matched: str, first: int,
             last: int, read: str = "") -> None:
        if handle in seen:
            return
        seen.add(handle)
        letters_only = not any(c.isdigit() for c in handle)
        weight = self.spec.letters_only_weight if letters_only else self.spec.weight
        note = "联系方式标记+账号"
        how = "，".join(part for part in (read, folded.how(first, last)) if part)
        found.append(Evidence(self.RULE, self.spec.category, weight, matched, folded.original[first:last],
                              f"{note}; {how}" if how else note, (first, last)))


class Invitations:
    """加我微信, 添加个人好友, 联系本人QQ: a verb, fillers, a target (the id is not needed)."""

    RULE = "invite"

    def __init__(self, spec: Invite, normalizer: TextNormalizer) -> None:
        self.spec = spec
        verbs = _alternation(normalizer, spec.verbs)
        fillers = _alternation(normalizer, spec.fillers)
        latin = [t for t in spec.targets if normalizer.word(t).isascii()]
        targets = _alternation(normalizer, [t for t in spec.targets if t not in latin])
        # a latin target (v) must end there: 加vc精华 is not an invitation
        latin_targets = _alternation(normalizer, latin)
        alternatives = [t for t in (targets, f"(?:{latin_targets})(?![a-z])" if latin_targets else "") if t]
        fill = f"(?:{fillers}){{0,3}}" if fillers else ""
        self._pattern = re.compile(f"(?:{verbs}){fill}(?:{'|'.join(alternatives)})")
        endings = _alternation(normalizer, spec.endings)
        self._alone = re.compile(f"(?:{endings})*" if endings else "")

    def find(self, folded: Folded) -> list[Evidence]:
        found: list[Evidence] = []
        for match in self._pattern.finditer(folded.compact):
            first, last = folded.span(*match.span())
            weight, note = self.spec.weight, folded.how(first, last)
            if self.spec.alone_weight is not None and self._said_alone(folded.compact, match):
                weight, note = self.spec.alone_weight, "整条消息就是这句邀请" + (f"; {note}" if note else "")
            found.append(Evidence(self.RULE, self.spec.category, weight, match.group(),
                                  folded.original[first:last], note, (first, last)))
            break  # one invitation is enough evidence; more add nothing
        return found

    def _said_alone(self, compact: str, match: re.Match[str]) -> bool:
        """Nothing before the invitation and only particles after it: 加我微信 / 加我微信吧, not 群主加我微信."""
        return match.start() == 0 and self._alone.fullmatch(compact, match.end()) is not None


def _counting(digits: str) -> bool:
    """一二三四五六七 or 7654321 counts, 8888888 repeats: no number anyone would dial (a blind set's
    “一二三四五六七，今天全场打七折” was flagged as a disguised phone number)."""
    steps = {int(b) - int(a) for a, b in itertools.pairwise(digits)}
    return steps in ({1}, {-1}, {0})


class PhoneNumbers:
    """Mainland mobiles, landlines and 400/800 numbers among the digit runs; disguised ones weigh more."""

    RULE = "phone"
    CUE_RULE = "phone_cue"

    def __init__(self, spec: Phones, normalizer: TextNormalizer) -> None:
        self.spec = spec
        self._allow = {re.sub(r"\D", "", n) for n in spec.allow}
        cues = _alternation(normalizer, spec.cues)
        self._cues = re.compile(cues) if cues else None

    def find(self, folded: Folded) -> list[Evidence]:
        found: list[Evidence] = []
        for run in folded.runs:
            digits = run.digits
            if len(digits) < 7 or digits in self._allow or _counting(digits):
                continue
            kind = ""
            if _MOBILE.fullmatch(digits):
                kind = "手机号"
            elif _SERVICE.fullmatch(digits):
                kind = "400/800 号码"
            elif _LANDLINE.fullmatch(digits):
                kind = "座机号"
            elif run.disguise:
                kind = "伪装的长数字"
            if not kind:
                continue
            if run.disguise and kind == "伪装的长数字":
                weight, note = self.spec.weight, f"{kind}: {run.disguise}"
            elif run.disguise:
                weight, note = self.spec.disguised_weight, f"{kind}，伪装写法: {run.disguise}"
            elif kind == "400/800 号码":
                weight, note = self.spec.service_weight, kind
            else:
                weight, note = self.spec.weight, kind
            found.append(Evidence(self.RULE, self.spec.category, weight, digits,
                                  folded.original[run.start:run.end], note, (run.start, run.end)))
        if found and self._cues is not None:
            cue = self._cues.search(folded.compact)
            if cue is not None:
                first, last = folded.span(*cue.span())
                found.append(Evidence(self.CUE_RULE, self.spec.category, self.spec.cue_weight, cue.group(),
                                      folded.original[first:last], "号码旁的招揽词", (first, last)))
        return found
