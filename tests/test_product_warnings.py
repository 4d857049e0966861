"""`siyu check` warns where a product's answer contradicts its own price or avoid_when (QA round 11, finding 3):
the content still loads, and the warning points at the answer's line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.cli_kit import run_siyu

ROOT = Path(__file__).resolve().parent.parent


def _copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    for folder in ("flows", "persona", "knowledge"):
        shutil.copytree(ROOT / folder, content / folder, ignore=shutil.ignore_patterns("tests"))
    return content


def _check(content: Path) -> subprocess.CompletedProcess[str]:
    return run_siyu("check", str(content))  # in this process, as a subprocess would (tests/cli_kit.py)


def _line_of(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if text in line)


def test_the_bundled_products_agree_with_their_answers(tmp_path: Path) -> None:
    result = _check(_copy(tmp_path))
    assert result.returncode == 0, result.stdout
    assert "商品:" not in result.stdout


def test_a_new_price_with_the_old_price_in_the_answer_is_pointed_at(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    products = content / "knowledge" / "products.yaml"
    text = products.read_text(encoding="utf-8")
    products.write_text(text.replace("    price: 169\n", "    price: 189\n", 1), encoding="utf-8")
    result = _check(content)
    assert result.returncode == 0, result.stdout  # a warning: the content loads
    line = _line_of(products, "水杨酸控痘精华30ml正装是169元")
    assert f"knowledge/products.yaml:{line}:" in result.stdout
    assert "写的是 169元，可 price 是 189" in result.stdout


def test_a_pregnancy_answer_that_says_go_ahead_against_avoid_when_is_pointed_at(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    products = content / "knowledge" / "products.yaml"
    text = products.read_text(encoding="utf-8")
    products.write_text(text.replace("它含0.5%水杨酸，孕期和哺乳期建议先不要用哦，可以先用温和的清洁和保湿～",
                                     "0.5%水杨酸浓度很低，孕期和哺乳期都可以放心用～"), encoding="utf-8")
    result = _check(content)
    assert result.returncode == 0, result.stdout
    line = _line_of(products, "都可以放心用")
    assert f"knowledge/products.yaml:{line}:" in result.stdout
    assert "clear_serum 的 avoid_when 写了 孕期、哺乳期、备孕" in result.stdout
    assert "劝她先别用" in result.stdout


def test_a_quantity_deal_no_faq_answer_says_is_pointed_at(tmp_path: Path) -> None:
    content = _copy(tmp_path)
    faq = content / "knowledge" / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("同款买2件第二件半价～", "同款买3件打九折～"), encoding="utf-8")
    result = _check(content)
    assert result.returncode == 0, result.stdout  # a warning: the content loads
    line = _line_of(content / "knowledge" / "products.yaml", "  deal: 同款第二件半价")
    assert f"knowledge/products.yaml:{line}:" in result.stdout
    assert "FAQ 的回答里没有一条这样说" in result.stdout


def test_the_words_that_hold_back_are_matching_yamls_caution_words(tmp_path: Path) -> None:
    """A pregnancy answer that holds back with a word of the operator's own (搁置) is no warning once that word is in
    knowledge/matching.yaml `caution`: the list is the content's."""
    content = _copy(tmp_path)
    products = content / "knowledge" / "products.yaml"
    products.write_text(products.read_text(encoding="utf-8").replace(
        "它含0.5%水杨酸，孕期和哺乳期建议先不要用哦，可以先用温和的清洁和保湿～",
        "它含0.5%水杨酸，孕期和哺乳期请先搁置，可以先用温和的清洁和保湿～"), encoding="utf-8")
    assert "clear_serum 的 avoid_when" in _check(content).stdout
    matching = content / "knowledge" / "matching.yaml"
    matching.write_text(matching.read_text(encoding="utf-8").replace("caution: [避开,", "caution: [搁置, 避开,"),
                        encoding="utf-8")
    result = _check(content)
    assert result.returncode == 0, result.stdout
    assert "clear_serum 的 avoid_when" not in result.stdout


def test_content_without_caution_words_is_warned_about_when_products_avoid_a_stage(tmp_path: Path) -> None:
    """Content written before matching.yaml had `caution` (a copy of an older sample) loads, but its warning clauses
    that hold back without a negation (先停掉A醇) would be cut for a pregnant customer: siyu check says so."""
    content = _copy(tmp_path)
    matching = content / "knowledge" / "matching.yaml"
    text = matching.read_text(encoding="utf-8")
    start = text.index("  caution: [")
    matching.write_text(text[:start] + text[text.index("\n", start) + 1:], encoding="utf-8")
    result = _check(content)
    assert result.returncode == 0, result.stdout
    line = _line_of(matching, "language:")
    assert f"knowledge/matching.yaml:{line}:" in result.stdout and "language 里没有 caution" in result.stdout, \
        result.stdout
