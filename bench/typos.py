"""How many real character confusions the sound keys unify (measured, never shipped).

    python -m bench.typos

Reads ../shared/data/understanding/typo_char_pairs.tsv (SIGHAN 2013-15: wrong char, right char, count)
and reports, weighted by count, the share of confusions whose two characters get the same key from
bot/understanding/sound.py: plain toneless pinyin, pinyin folded for accents (the shipped rule), and
folded plus the look-alike groups declared in knowledge/matching.yaml. Particles (的/地/得) are counted
apart: they are filler to the matcher, so confusing them changes nothing. The file is only read here;
the project's keys come from pypinyin's readings and its own folding rules.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pypinyin import Style, lazy_pinyin

from bench.common import shared_data, table
from bot.understanding.knowledge import load_knowledge
from bot.understanding.sound import Sounds

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    data = shared_data()
    path = data / "understanding" / "typo_char_pairs.tsv" if data else None
    if path is None or not path.exists():
        print("../shared/data/understanding/typo_char_pairs.tsv is absent: nothing to measure")
        return
    with path.open(encoding="utf-8") as handle:
        rows = [(r[0], r[1], int(r[2])) for r in csv.reader(handle, delimiter="\t") if r and r[2].isdigit()]
    language = load_knowledge(ROOT / "knowledge").language
    filler = set("".join(language.filler)) & {"的", "地", "得", "了", "着", "吗", "呢", "啊", "吧"}
    folded, declared = Sounds(), Sounds(language.confusions)

    def toneless(char: str) -> str:
        return (lazy_pinyin(char, style=Style.NORMAL) or [char])[0]

    total = sum(count for _, _, count in rows)
    content = [(a, b, c) for a, b, c in rows if a not in filler and b not in filler]
    content_total = sum(c for _, _, c in content)
    measures = [
        ("toneless pinyin", lambda a, b: toneless(a) == toneless(b)),
        ("pinyin folded for accents (shipped)", lambda a, b: folded.key(a) == folded.key(b)),
        ("folded + declared look-alikes (shipped)", lambda a, b: declared.key(a) == declared.key(b)),
    ]
    out = []
    for name, same in measures:
        everything = sum(c for a, b, c in rows if same(a, b)) / total
        without_particles = sum(c for a, b, c in content if same(a, b)) / content_total
        out.append([name, f"{everything:.1%}", f"{without_particles:.1%}"])
    print(f"{len(rows)} confusion pairs, {total} occurrences ({total - content_total} between particles)")
    print(table(["key", "confusions unified (all)", "(particles aside)"], out))


if __name__ == "__main__":
    main()
