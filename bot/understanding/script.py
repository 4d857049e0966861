"""Whether a message is written in Latin letters only (hello, do you ship to hong kong): the bot reads Chinese, and
says so rather than asking her to rephrase in the same language."""

from __future__ import annotations

import re
import unicodedata

_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def written_in_latin(text: str) -> bool:
    """Three Latin words or more and no Chinese character: English, or pinyin. Names inside a Chinese sentence
    (vc精华, spf50, ok的) do not count."""
    plain = unicodedata.normalize("NFKC", text)
    return not _HAN.search(plain) and len(_LATIN_WORD.findall(plain)) >= 3


def latin_only(text: str) -> bool:
    """A Latin word or more and no Chinese character (free shipping?, refund?): too short to say she writes only
    English, long enough for matching.yaml's `language.english` to read a topic in it."""
    plain = unicodedata.normalize("NFKC", text)
    return not _HAN.search(plain) and bool(_LATIN_WORD.search(plain))
