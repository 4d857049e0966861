"""Links out of the group: web addresses (also spelt www点abc点com or h t t p s), 淘口令 and e-mail addresses.

Brand domains (and their sub-domains) are allowed. The check runs on the folded text with spaces removed
and 点/。/dot between letters read as a dot.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.moderation.message import Evidence
from bot.moderation.spec import Links
from bot.moderation.text import Folded

# a latin letter or digit, then (spaced) a dot or a spoken dot, then a letter; or a scheme, www, @, a currency sign
_MAYBE_LINK = re.compile(r"[a-z0-9]\s*(?:[.。｡]|点|dot|\(\.\)|\[\.\])\s*[a-z]|http|www|@|[¥$€£₤¢₳₴₵₸₹₽₱]")
_SPACES = re.compile(r"\s+")
_SPOKEN_DOT = re.compile(r"(?<=[a-z0-9])(?:点|。|｡|dot|\(\.\)|\[\.\])(?=[a-z])")
_SHOP_CODE = re.compile(r"[¥$€£₤¢₳₴₵₸₹₽₱]\s*[a-z0-9]{8,14}\s*[¥$€£₤¢₳₴₵₸₹₽₱]")
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")


def host_of(url: str) -> str:
    raw = url if "://" in url else f"http://{url}"
    try:
        return (urlsplit(raw).hostname or "").lower()
    except ValueError:
        return ""


def allowed(host: str, domains: list[str] | tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


class LinkRule:
    RULE = "link"
    SHOP_CODE_RULE = "shop_code"
    EMAIL_RULE = "email"

    def __init__(self, spec: Links) -> None:
        self.spec = spec
        self.allow = tuple(d.lower().lstrip(".") for d in spec.allow)
        tlds = "|".join(sorted((re.escape(t.lower().lstrip(".")) for t in spec.tlds), key=len, reverse=True))
        self._url = re.compile(
            r"(?:(?:https?|ftp)://[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]+"
            rf"|(?<![a-z0-9.@-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:{tlds})(?![a-z0-9-])"
            r"(?::[0-9]{1,5})?(?:/[!-~]*)?)"
        )

    def find(self, folded: Folded) -> list[Evidence]:
        text = folded.folded
        if not _MAYBE_LINK.search(text):
            return []
        found: list[Evidence] = []
        for match in _SHOP_CODE.finditer(text):
            found.append(Evidence(self.SHOP_CODE_RULE, self.spec.category, self.spec.shop_code_weight,
                                  match.group(), folded.original[match.start():match.end()], "淘口令/商品口令",
                                  match.span()))
        emails = list(_EMAIL.finditer(text))
        for match in emails:
            found.append(Evidence(self.EMAIL_RULE, self.spec.category, self.spec.email_weight, match.group(),
                                  folded.original[match.start():match.end()], "邮箱地址", match.span()))
        # squeeze spaces and read spoken dots, remembering where each character came from
        squeezed = _SPACES.sub("", text)
        spoken = list(_SPOKEN_DOT.finditer(squeezed))
        if not spoken and not self._url.search(squeezed):
            return found
        positions = [i for i, c in enumerate(text) if not c.isspace()]
        if spoken:
            pieces, kept, position = [], [], 0
            for match in spoken:
                pieces.append(squeezed[position:match.start()])
                kept.extend(positions[position:match.start()])
                pieces.append(".")
                kept.append(positions[match.start()])
                position = match.end()
            pieces.append(squeezed[position:])
            kept.extend(positions[position:])
            squeezed, positions = "".join(pieces), kept
        for match in self._url.finditer(squeezed):
            url = match.group().rstrip(".,;:!?)）】」")
            first = positions[match.start()]
            last = positions[match.start() + len(url) - 1] + 1
            if any(e.start() <= first < e.end() for e in emails):
                continue
            host = host_of(url)
            if not host or allowed(host, self.allow):
                continue
            note = "外部链接" if text[first:last] == url else "外部链接（去掉空格/点的伪装后）"
            found.append(Evidence(self.RULE, self.spec.category, self.spec.weight, url,
                                  folded.original[first:last], note, (first, last)))
        return found
