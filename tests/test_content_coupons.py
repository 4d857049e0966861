"""All the copy about coupons tells one story (QA round 6): a coupon goes straight into the account, is seen in
the 小程序 “我的-优惠券”, and the new-customer coupon is 20元 — the welcome, the FAQ and the persona used to say
领 on the homepage in one place and 10元 in another.

What the customer reads is every string in knowledge/faq.yaml, knowledge/products.yaml, persona/*.yaml and
flows/*.yaml except the customer's own words (questions, keywords, examples, unless).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER_WORDS = {"questions", "keywords", "examples", "unless", "words", "says", "when"}


def _copy(node: object, key: str = "") -> Iterator[str]:
    if key in CUSTOMER_WORDS:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for child_key, child in node.items():
            yield from _copy(child, str(child_key))
    elif isinstance(node, list):
        for child in node:
            yield from _copy(child, key)


def _coupon_copy() -> list[tuple[str, str]]:
    files = [ROOT / "knowledge" / "faq.yaml", ROOT / "knowledge" / "products.yaml",
             *sorted((ROOT / "persona").glob("*.yaml")), *sorted((ROOT / "flows").glob("*.yaml"))]
    found = []
    for file in files:
        for text in _copy(yaml.safe_load(file.read_text(encoding="utf-8"))):
            if "券" in text:
                found.append((file.name, text))
    return found


def test_there_is_coupon_copy_to_check() -> None:
    assert len(_coupon_copy()) >= 10


def test_no_copy_sends_her_somewhere_to_claim_a_coupon() -> None:
    claims = [(file, text) for file, text in _coupon_copy() if re.search(r"领|首页", text)]
    assert claims == []


def test_the_new_customer_coupon_is_20_yuan_everywhere() -> None:
    coupon_amount = re.compile(r"(?:立减|新客券)(\d+)|(\d+)元的?券")
    amounts = [(file, text, "".join(amount)) for file, text in _coupon_copy() if "新客" in text
               for amount in coupon_amount.findall(text)]
    wrong = [entry for entry in amounts if entry[2] != "20"]
    assert amounts and wrong == []


def test_copy_that_says_where_coupons_are_names_my_coupons() -> None:
    places = [(file, text) for file, text in _coupon_copy() if "小程序" in text and "券" in text
              and "新客券只在小程序能用" not in text]
    assert places and all("我的-优惠券" in text for _, text in places), places
