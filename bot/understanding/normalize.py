"""One normalisation for content and customer input alike.

NFKC (full-width → half-width, ① → 1), lower case, traditional → simplified (a one-character table
taken from zhconv, applied with str.translate: fast), then only letters and digits are kept
(punctuation, emoji, WeChat's bracketed stickers such as [捂脸], spaces and control characters go) and
runs of one repeated character collapse (好好好好 → 好). Operator-defined variants (vx → 微信, 七天 → 7天)
are applied last, longest first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

import zhconv.zhconv as _zhconv

from bot.variants import Variants

_REPEATS = re.compile(r"(\D)\1+")  # 好好好 → 好; digits stay (100以内, 双11)
MAX_INPUT = 500  # characters looked at; a 5,000-character paste is cut, not scanned


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    _zhconv.getdict("zh-cn")
    mapping = _zhconv.zhcdicts["zh2Hans"]
    return {ord(k): v for k, v in mapping.items() if len(k) == 1 and len(v) == 1 and k != v}


_NOT_WORD = re.compile(r"[\W_]+")  # anything but letters and digits: punctuation, emoji, spaces, controls
# WeChat's own stickers arrive as their names in brackets ([捂脸], [强], [Facepalm]): a face, not words. The Chinese
# names are WeChat's list (a bracketed word of her own, [订单号], stays); the English client's are any bracketed word.
_STICKER_NAMES = frozenset([
    "微笑", "撇嘴", "色", "发呆", "得意", "流泪", "害羞", "闭嘴", "睡", "大哭", "尴尬",
    "发怒", "调皮", "呲牙", "惊讶", "难过", "囧", "抓狂", "吐", "偷笑", "愉快", "白眼",
    "傲慢", "困", "惊恐", "憨笑", "悠闲", "咒骂", "疑问", "嘘", "晕", "衰", "骷髅",
    "敲打", "再见", "擦汗", "抠鼻", "鼓掌", "坏笑", "左哼哼", "右哼哼", "哈欠", "鄙视",
    "委屈", "快哭了", "阴险", "亲亲", "可怜", "笑脸", "生病", "脸红", "破涕为笑", "恐惧",
    "失望", "无语", "嘿哈", "捂脸", "奸笑", "机智", "皱眉", "耶", "吃瓜", "加油", "汗",
    "天啊", "社会社会", "旺柴", "好的", "打脸", "哇", "翻白眼", "666", "让我看看", "叹气",
    "苦涩", "裂开", "嘴唇", "爱心", "心碎", "拥抱", "强", "弱", "握手", "胜利", "抱拳",
    "勾引", "拳头", "合十", "啤酒", "咖啡", "蛋糕", "玫瑰", "凋谢", "菜刀", "炸弹",
    "便便", "月亮", "太阳", "庆祝", "礼物", "红包", "發", "福", "烟花", "爆竹", "猪头",
    "跳跳", "发抖", "转圈", "奋斗", "疯了", "酷", "冷汗", "流汗", "可爱", "饥饿", "折磨",
    "示爱", "差劲", "爱你", "NO", "OK"
])
_STICKER = re.compile(r"\[([^\[\]\s]{1,4}|[A-Za-z][A-Za-z !-]{0,14})\]")


def _without_stickers(text: str) -> str:
    def face(found: re.Match[str]) -> str:
        name = found[1]
        return "" if name in _STICKER_NAMES or (name.isascii() and name[0].isalpha()) else found[0]

    return _STICKER.sub(face, text)


def base_normalize(text: str) -> str:
    text = _without_stickers(text[:MAX_INPUT]) if "[" in text else text[:MAX_INPUT]
    text = unicodedata.normalize("NFKC", text).lower().translate(_t2s_table())
    return _REPEATS.sub(r"\1", _NOT_WORD.sub("", text))


class Normalizer:
    def __init__(self, variants: Mapping[str, str] | None = None, emoji: Mapping[str, str] | None = None) -> None:
        read = [(base_normalize(k), base_normalize(v)) for k, v in (variants or {}).items()]
        # a variant written as itself (相亲: 相亲) keeps a word whole against a shorter variant inside it (亲: "")
        self._variants = Variants(dict(read), keep=[k for k, v in read if k == v])
        # a message of nothing but emoji (👍, 🙏🙏) is read as the words the operator gave it (好的, 谢谢)
        self._emoji = {key: word for key, word in ((_bare(k), base_normalize(v)) for k, v in (emoji or {}).items())
                       if key and word}

        self.memo: dict[str, str] | None = None  # while one message is read: its clauses are normalised once

    def __call__(self, text: str) -> str:
        memo = self.memo
        if memo is not None and (known := memo.get(text)) is not None:
            return known
        normalized = base_normalize(text)
        if not normalized and self._emoji:
            normalized = self._emoji_word(text)
        normalized = self._variants.replace(normalized) if self._variants else normalized
        if memo is not None:
            memo[text] = normalized
        return normalized

    def _emoji_word(self, text: str) -> str:
        bare = _bare(text[:MAX_INPUT])
        found = [(at, key) for key in self._emoji if (at := bare.find(key)) >= 0]
        return self._emoji[min(found)[1]] if found else ""  # the first one she sent


def _bare(text: str) -> str:
    """Emoji as typed, without the variation selector and skin tones (❤️ and ❤ are one heart, 👍🏻 is 👍)."""
    return "".join(ch for ch in text if ch != "\ufe0f" and not "\U0001f3fb" <= ch <= "\U0001f3ff" and not ch.isspace())


_CLAUSE = re.compile(r"[?？!！。；;，,\s]+")


def clauses(text: str) -> list[str]:
    """Split a message that may hold several questions at its punctuation."""
    return [part for part in _CLAUSE.split(text[:MAX_INPUT]) if part.strip()]
